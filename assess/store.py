"""Persistence: assessments and their answers, behind a small API of plain values.

SQLite (WAL mode) by default, PostgreSQL through `DATABASE_URL`. Each save is one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session, selectinload, sessionmaker

from assess.answers import AnswerFile
from assess.models import (
    Answer,
    Assessment,
    AuditEvent,
    Comment,
    MitigationCommitment,
    OwnFindingRow,
    Workshop,
    utcnow,
)
from assess.questionnaire import AnswerValue, Definition
from assess.scoring import OWN_PREFIX, Commitment, OwnFinding

MIGRATIONS = Path(__file__).parent / "migrations"
TOKEN_BYTES = 32  # 256 bits
# Join codes are typed from a projector: no 0/O or 1/I/L to confuse. 31**6 ~ 900 million codes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MAX_NAME = 60


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str:
    """What a participant typed ('abc 234', 'ABC-234') as a stored code."""
    return "".join(c for c in typed.upper() if c.isalnum())[:16]


def name_key(name: str) -> str:
    """Two names that read the same are the same name ('Group 1', ' group  1')."""
    return " ".join(name.split()).casefold()[:80]


# A screening's life: answered as a draft, submitted, reviewed, then decided. Only a draft changes;
# a decided version is frozen, and any later change starts a new version.
STATUSES = (
    "draft",
    "submitted",
    "under_review",
    "approved",
    "approved_with_conditions",
    "refused",
)
DECISIONS = ("approved", "approved_with_conditions", "refused")
MAX_COMMENT = 4000


@dataclass(frozen=True)
class Actor:
    """Who is acting: the role of the link they used and the name they gave."""

    role: str  # "author", "reviewer", "participant"
    name: str = ""


@dataclass(frozen=True)
class CommentRecord:
    question_id: str | None
    name: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    role: str
    name: str
    action: str
    target: str | None
    before: Any
    after: Any


@dataclass(frozen=True)
class Record:
    """An assessment as plain values: what the web layer and reports read."""

    token: str
    questionnaire: str
    version: int
    locale: str
    title: str
    assessor: str
    status: str
    revision: int
    created_at: datetime
    updated_at: datetime
    share_token: str | None = None
    passphrase_hash: str | None = None
    case_id: str | None = None
    workshop_id: int | None = None
    workshop_closed: bool = False
    participant: str | None = None
    id: int = 0
    reviewer_token: str | None = None
    version_number: int = 1
    previous_id: int | None = None
    decision_name: str | None = None
    decision_role: str | None = None
    decision_at: datetime | None = None
    decision_reason: str | None = None
    frozen_sha256: str | None = None
    comments: tuple[CommentRecord, ...] = ()
    own_findings: tuple[OwnFinding, ...] = ()
    partner_token: str | None = None
    partner_name: str = ""
    partner_answers: dict[str, AnswerValue] = field(default_factory=dict)
    partner_notes: dict[str, str] = field(default_factory=dict)
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    commitments: dict[str, Commitment] = field(default_factory=dict)

    def answer_file(self) -> AnswerFile:
        return AnswerFile(
            questionnaire=self.questionnaire,
            version=self.version,
            locale=self.locale,
            title=self.title,
            assessor=self.assessor,
            answers=dict(self.answers),
            notes=dict(self.notes),
            mitigations=dict(self.commitments),
            own_findings=self.own_findings,
            partner_answers=dict(self.partner_answers),
            partner_notes=dict(self.partner_notes),
        )


@dataclass(frozen=True)
class WorkshopRecord:
    id: int
    trainer_token: str
    code: str
    title: str
    locale: str
    questionnaire: str
    version: int
    cases: tuple[str, ...]
    created_at: datetime
    closed_at: datetime | None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted answers are overwritten on disk, not just unlinked.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Clash:
    key: str  # a question id, or "<question id>__notes"
    mine: Any
    theirs: Any


class Conflict(Exception):
    """Someone saved a different value for the same answer since this page was loaded."""

    def __init__(self, clashes: list[Clash]):
        self.clashes = clashes
        super().__init__(", ".join(c.key for c in clashes))


class Closed(Exception):
    """The workshop this screening belongs to is closed: nothing in it can change any more."""


class Locked(Exception):
    """This version is submitted or decided: its content no longer changes."""

    def __init__(self, status: str):
        self.status = status
        super().__init__(status)


class NameTaken(Exception):
    """Someone in this workshop already joined under that name."""


class WorkshopFull(Exception):
    pass


NOTES = "__notes"


def _merge(
    existing: Mapping[str, Answer],
    answers: Mapping[str, AnswerValue | None],
    notes: Mapping[str, str | None],
    base: Mapping[str, Any],
) -> tuple[dict[str, AnswerValue | None], dict[str, str | None]]:
    def stored(key: str) -> Any:
        question_id, is_note = (key[: -len(NOTES)], True) if key.endswith(NOTES) else (key, False)
        answer = existing.get(question_id)
        if answer is None:
            return None
        return (answer.notes or None) if is_note else answer.value

    changes: dict[str, Any] = {}
    clashes = []
    submitted = {**answers, **{q + NOTES: n for q, n in notes.items()}}
    for key, mine in submitted.items():
        was = base.get(key)
        if mine == was:
            continue  # not changed on this page: leave whatever is stored now
        theirs = stored(key)
        if theirs != was and theirs != mine:
            clashes.append(Clash(key, mine, theirs))
        changes[key] = mine
    if clashes:
        raise Conflict(clashes)
    return (
        {k: v for k, v in changes.items() if not k.endswith(NOTES)},
        {k[: -len(NOTES)]: v for k, v in changes.items() if k.endswith(NOTES)},
    )


class Store:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # -- reading --

    def get(self, token: str, by_share: bool = False, link: str = "") -> Record:
        """The assessment whose edit link (or, with `by_share`, read-only link; with
        link="reviewer", reviewer link) is `token`."""
        column = Assessment.share_token if by_share else Assessment.token
        if link == "reviewer":
            column = Assessment.reviewer_token
        elif link == "partner":
            column = Assessment.partner_token
        with self._tx() as session:
            row = session.scalar(
                select(Assessment)
                .where(column == token)
                .options(
                    selectinload(Assessment.answers),
                    selectinload(Assessment.commitments),
                    selectinload(Assessment.comments),
                    selectinload(Assessment.own_findings),
                )
            )
            if row is None:
                raise NotFound(token)
            return _record(row)

    def titles(self, tokens: Iterable[str]) -> list[tuple[str, str, datetime]]:
        """(token, title, updated) for the tokens that exist, most recent first."""
        wanted = list(dict.fromkeys(tokens))
        if not wanted:
            return []
        with self._tx() as session:
            rows = session.execute(
                select(Assessment.token, Assessment.title, Assessment.updated_at).where(
                    Assessment.token.in_(wanted)
                )
            ).all()
        return sorted(((t, ti, u) for t, ti, u in rows), key=lambda r: r[2], reverse=True)

    # -- writing --

    def create(
        self, definition: Definition, title: str, locale: str, case_id: str | None = None
    ) -> str:
        with self._tx() as session:
            row = Assessment(
                token=new_token(),
                questionnaire_id=definition.id,
                questionnaire_version=definition.version,
                locale=locale,
                title=title,
                assessor="",
                case_id=case_id,
            )
            session.add(row)
        return row.token

    def save_answers(
        self,
        token: str,
        answers: Mapping[str, AnswerValue | None],
        notes: Mapping[str, str | None] | None = None,
        title_from: str | None = None,
        base: Mapping[str, Any] | None = None,
        actor: Actor | None = None,
        side: str = "author",
    ) -> Record:
        """Set (or, with None, clear) answers and notes in one transaction.

        With `base` (what the page showed when it was loaded, keyed by question id and by
        `<id>__notes`), this is a three-way merge: only what the user changed is written, so a
        concurrent change to another question survives; where both changed the same answer
        differently, nothing is written and :class:`Conflict` lists the clashes. `title_from` names
        the question whose answer titles the assessment."""
        notes = notes or {}
        now = utcnow()
        with self._tx() as session:
            row = self._locked(session, token)
            existing = {a.question_id: a for a in row.answers if a.side == side}
            if base is not None:
                answers, notes = _merge(existing, answers, notes, base)
            for question_id in sorted(set(answers) | set(notes)):
                answer = existing.get(question_id)
                if actor is not None:
                    was_value = answer.value if answer else None
                    was_note = (answer.notes or None) if answer else None
                    what = (
                        ("answer", "notes")
                        if side == "author"
                        else ("partner_answer", "partner_notes")
                    )
                    if question_id in answers and answers[question_id] != was_value:
                        _audit(row, actor, what[0], question_id, was_value, answers[question_id])
                    if question_id in notes and (notes[question_id] or None) != was_note:
                        _audit(row, actor, what[1], question_id, was_note, notes[question_id])
                if answer is None:
                    answer = Answer(question_id=question_id, value=None, notes=None, side=side)
                    row.answers.append(answer)
                if question_id in answers:
                    answer.value = answers[question_id]
                if question_id in notes:
                    answer.notes = notes[question_id] or None
                answer.updated_at = now
                if answer.value is None and not answer.notes:
                    row.answers.remove(answer)
            if title_from is not None and title_from in answers and side == "author":
                row.title = str(answers[title_from] or "")[:200]
            _touch(row, now)
            session.flush()
            return _record(row)

    def save_commitments(
        self, token: str, commitments: Mapping[str, Commitment], actor: Actor | None = None
    ) -> Record:
        now = utcnow()
        with self._tx() as session:
            row = self._locked(session, token)
            existing = {c.mitigation_id: c for c in row.commitments}
            for mitigation_id, c in commitments.items():
                entry = existing.get(mitigation_id)
                empty = not c.owner and c.due is None and c.status == "planned"
                if actor is not None:
                    was = _plan(entry) if entry else None
                    now_is = None if empty else c.to_dict()
                    if was != now_is:
                        _audit(row, actor, "plan", mitigation_id, was, now_is)
                if entry is None:
                    if empty:
                        continue
                    entry = MitigationCommitment(mitigation_id=mitigation_id)
                    row.commitments.append(entry)
                elif empty:
                    row.commitments.remove(entry)
                    continue
                entry.owner, entry.due, entry.status = c.owner, c.due, c.status
                entry.updated_at = now
            _touch(row, now)
            session.flush()
            return _record(row)

    def import_file(self, data: AnswerFile, title_from: str | None = None) -> str:
        """A new assessment from a validated answer file, all or nothing. As when saving, the answer
        to `title_from` (if given) names it; else the file's title."""
        title = str(data.answers.get(title_from, "") or "") if title_from else ""
        with self._tx() as session:
            row = Assessment(
                token=new_token(),
                questionnaire_id=data.questionnaire,
                questionnaire_version=data.version,
                locale=data.locale,
                title=(title or data.title)[:200],
                assessor=data.assessor,
            )
            for question_id in sorted(set(data.answers) | set(data.notes)):
                row.answers.append(
                    Answer(
                        question_id=question_id,
                        value=data.answers.get(question_id),
                        notes=data.notes.get(question_id),
                    )
                )
            for mitigation_id, c in sorted(data.mitigations.items()):
                row.commitments.append(
                    MitigationCommitment(
                        mitigation_id=mitigation_id, owner=c.owner, due=c.due, status=c.status
                    )
                )
            for question_id in sorted(set(data.partner_answers) | set(data.partner_notes)):
                row.answers.append(
                    Answer(
                        question_id=question_id,
                        value=data.partner_answers.get(question_id),
                        notes=data.partner_notes.get(question_id),
                        side="partner",
                    )
                )
            for o in data.own_findings:
                row.own_findings.append(_own_row(o))
            session.add(row)
            session.flush()
            _audit(row, Actor("author", data.assessor), "imported", None, None, data.title)
        return row.token

    def set_assessor(self, token: str, assessor: str, actor: Actor | None = None) -> Record:
        return self._update(token, {"assessor": assessor}, actor=actor, action="assessor")

    def set_share(self, token: str, enabled: bool, actor: Actor | None = None) -> Record:
        """Create a new read-only link (any previous one stops working), or revoke it."""
        value = new_token() if enabled else None
        return self._update(token, {"share_token": value}, False, actor, "read_only_link")

    def set_reviewer(self, token: str, enabled: bool, actor: Actor | None = None) -> Record:
        """Create a new reviewer link (any previous one stops working), or revoke it."""
        value = new_token() if enabled else None
        return self._update(token, {"reviewer_token": value}, False, actor, "reviewer_link")

    def set_partner(
        self, token: str, enabled: bool, name: str = "", actor: Actor | None = None
    ) -> Record:
        """Invite the partner through a new link (any previous one stops working), or revoke it;
        the partner's answers are kept either way."""
        values: dict[str, Any] = {"partner_token": new_token() if enabled else None}
        if enabled:
            values["partner_name"] = name[:200]
        return self._update(token, values, False, actor, "partner_link")

    def rotate(self, token: str, actor: Actor | None = None) -> Record:
        """Replace the edit link: the old one stops working at once."""
        return self._update(token, {"token": new_token()}, False, actor, "edit_link")

    def set_passphrase_hash(
        self, token: str, passphrase_hash: str | None, actor: Actor | None = None
    ) -> Record:
        values = {"passphrase_hash": passphrase_hash}
        return self._update(token, values, False, actor, "passphrase")

    def _update(
        self,
        token: str,
        values: Mapping[str, Any],
        changing: bool = True,
        actor: Actor | None = None,
        action: str = "",
    ) -> Record:
        with self._tx() as session:
            row = self._locked(session, token, changing=changing)
            for name, value in values.items():
                if actor is not None:
                    secret = name.endswith(("token", "hash"))  # never keep a link or a hash
                    before, after = getattr(row, name), value
                    if secret:
                        before, after = before is not None, after is not None
                    _audit(row, actor, action, None, before, after)
                setattr(row, name, value)
            _touch(row, utcnow())
            session.flush()
            return _record(row)

    # -- review and sign-off --

    def submit(self, token: str, actor: Actor) -> Record:
        """A draft goes to review; its content no longer changes unless it is withdrawn."""
        return self._move(token, ("draft",), "submitted", actor)

    def withdraw(self, token: str, actor: Actor) -> Record:
        """Back to draft, to change it (a decided version never goes back)."""
        return self._move(token, ("submitted", "under_review"), "draft", actor)

    def start_review(self, reviewer_token: str, actor: Actor) -> Record:
        token = self._token_of(Assessment.reviewer_token, reviewer_token)
        return self._move(token, ("submitted",), "under_review", actor)

    def decide(
        self, reviewer_token: str, decision: str, name: str, role: str, reason: str
    ) -> Record:
        """The reviewer's decision. Approved (with or without conditions) or refused, the version
        is frozen: its answer file's SHA-256 is kept, and nothing in it changes again."""
        if decision not in DECISIONS:
            raise ValueError(decision)
        token = self._token_of(Assessment.reviewer_token, reviewer_token)
        with self._tx() as session:
            row = self._locked(session, token, changing=False)
            if row.status not in ("submitted", "under_review"):
                raise Locked(row.status)
            now = utcnow()
            actor = Actor("reviewer", name)
            _audit(row, actor, "status", None, row.status, decision)
            row.status = decision
            row.decision_name, row.decision_role = name[:200], role[:200]
            row.decision_at, row.decision_reason = now, reason
            row.frozen_sha256 = _record(row).answer_file().sha256()
            _touch(row, now)
            session.flush()
            return _record(row)

    def comment(self, reviewer_token: str, question_id: str | None, name: str, text: str) -> Record:
        token = self._token_of(Assessment.reviewer_token, reviewer_token)
        with self._tx() as session:
            row = self._locked(session, token, changing=False)
            if row.status in DECISIONS:
                raise Locked(row.status)
            row.comments.append(Comment(question_id=question_id, name=name[:200], text=text))
            _audit(row, Actor("reviewer", name), "comment", question_id, None, text)
            _touch(row, utcnow())
            session.flush()
            return _record(row)

    def new_version(self, token: str, actor: Actor) -> str:
        """Re-assessment: a new draft version that starts from this decided one, with its answers,
        notes and action plan. The decided version stays as it was signed."""
        with self._tx() as session:
            old = self._locked(session, token, changing=False)
            if old.status not in DECISIONS:
                raise Locked(old.status)
            row = Assessment(
                token=new_token(),
                questionnaire_id=old.questionnaire_id,
                questionnaire_version=old.questionnaire_version,
                locale=old.locale,
                title=old.title,
                assessor=old.assessor,
                case_id=old.case_id,
                partner_name=old.partner_name,
                version_number=old.version_number + 1,
                previous_id=old.id,
            )
            for a in old.answers:
                row.answers.append(
                    Answer(question_id=a.question_id, value=a.value, notes=a.notes, side=a.side)
                )
            for c in old.commitments:
                row.commitments.append(
                    MitigationCommitment(
                        mitigation_id=c.mitigation_id, owner=c.owner, due=c.due, status=c.status
                    )
                )
            for o in old.own_findings:
                row.own_findings.append(_own_row(_own(o)))
            session.add(row)
            session.flush()
            _audit(row, actor, "new_version", None, old.version_number, row.version_number)
            _audit(old, actor, "new_version", None, old.version_number, row.version_number)
        return row.token

    def add_own_finding(
        self,
        token: str,
        check: str,
        severity: str,
        title: str,
        risk: str,
        mitigation: str,
        actor: Actor | None = None,
    ) -> Record:
        """A finding of the assessor's own, numbered after the last one ("own-3")."""
        with self._tx() as session:
            row = self._locked(session, token)
            number = max((o.number for o in row.own_findings), default=0) + 1
            row.own_findings.append(
                OwnFindingRow(
                    number=number,
                    check=check,
                    severity=severity,
                    title=title[:200],
                    risk=risk,
                    mitigation=mitigation,
                )
            )
            if actor is not None:
                _audit(row, actor, "own_finding", f"{OWN_PREFIX}{number}", None, title)
            _touch(row, utcnow())
            session.flush()
            return _record(row)

    def remove_own_finding(self, token: str, own_id: str, actor: Actor | None = None) -> Record:
        """Remove an own finding, with the commitment to its mitigation."""
        with self._tx() as session:
            row = self._locked(session, token)
            found = next((o for o in row.own_findings if _own(o).id == own_id), None)
            if found is None:
                raise NotFound(own_id)
            row.own_findings.remove(found)
            for c in [c for c in row.commitments if c.mitigation_id == own_id]:
                row.commitments.remove(c)
            if actor is not None:
                _audit(row, actor, "own_finding", own_id, found.title, None)
            _touch(row, utcnow())
            session.flush()
            return _record(row)

    def by_id(self, assessment_id: int) -> Record:
        with self._tx() as session:
            row = session.get(Assessment, assessment_id)
            if row is None:
                raise NotFound(str(assessment_id))
            return _record(row)

    def next_version(self, record: Record) -> Record | None:
        """The version that was started from this one, if any."""
        with self._tx() as session:
            row = session.scalar(select(Assessment).where(Assessment.previous_id == record.id))
            return _record(row) if row is not None else None

    def audit(self, token: str) -> list[AuditEntry]:
        """Every recorded change of a screening, oldest first."""
        with self._tx() as session:
            assessment_id = session.scalar(select(Assessment.id).where(Assessment.token == token))
            if assessment_id is None:
                raise NotFound(token)
            rows = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.assessment_id == assessment_id)
                .order_by(AuditEvent.id)
            ).all()
            return [
                AuditEntry(r.at, r.role, r.name, r.action, r.target, r.before, r.after)
                for r in rows
            ]

    def _move(self, token: str, allowed: tuple[str, ...], status: str, actor: Actor) -> Record:
        with self._tx() as session:
            row = self._locked(session, token, changing=False)
            if row.status not in allowed:
                raise Locked(row.status)
            _audit(row, actor, "status", None, row.status, status)
            row.status = status
            _touch(row, utcnow())
            session.flush()
            return _record(row)

    def _token_of(self, column: Any, value: str) -> str:
        with self._tx() as session:
            token = session.scalar(select(Assessment.token).where(column == value))
            if token is None:
                raise NotFound(value)
            return str(token)

    def delete(self, token: str) -> None:
        """Delete an assessment with all its answers and action plan."""
        with self._tx() as session:
            session.delete(self._locked(session, token, changing=False))

    def purge_drafts(self, older_than: datetime) -> int:
        """Delete the drafts nobody has touched since `older_than`; return how many."""
        with self._tx() as session:
            # A workshop's screenings go with the workshop, when its trainer deletes it.
            rows = session.scalars(
                select(Assessment).where(
                    Assessment.status == "draft",
                    Assessment.updated_at < older_than,
                    Assessment.workshop_id.is_(None),
                )
            ).all()
            for row in rows:
                session.delete(row)
            return len(rows)

    # -- workshops --

    def create_workshop(
        self, definition: Definition, title: str, locale: str, cases: Iterable[str]
    ) -> WorkshopRecord:
        for _attempt in range(5):  # a new code clashes with a live one about once in 10^6
            try:
                with self._tx() as session:
                    row = Workshop(
                        trainer_token=new_token(),
                        code=new_code(),
                        title=title[:200],
                        locale=locale,
                        questionnaire_id=definition.id,
                        questionnaire_version=definition.version,
                        cases=list(cases),
                    )
                    session.add(row)
                return _workshop(row)
            except IntegrityError:
                continue
        raise RuntimeError("could not find a free workshop code")

    def workshops(self, trainer_tokens: Iterable[str]) -> list[WorkshopRecord]:
        """The workshops behind these trainer links, most recent first."""
        wanted = list(dict.fromkeys(trainer_tokens))
        if not wanted:
            return []
        with self._tx() as session:
            rows = session.scalars(
                select(Workshop)
                .where(Workshop.trainer_token.in_(wanted))
                .order_by(Workshop.created_at.desc())
            ).all()
            return [_workshop(r) for r in rows]

    def workshop(self, trainer_token: str) -> WorkshopRecord:
        return self._workshop_where(Workshop.trainer_token == trainer_token)

    def workshop_by_code(self, code: str) -> WorkshopRecord:
        return self._workshop_where(Workshop.code == normalize_code(code))

    def _workshop_where(self, condition: Any) -> WorkshopRecord:
        with self._tx() as session:
            row = session.scalar(select(Workshop).where(condition))
            if row is None:
                raise NotFound()
            return _workshop(row)

    def join(self, code: str, name: str, limit: int) -> str:
        """A participant joins under `name` and gets a screening of the least-taken case (the
        workshop's first cases win ties). Raises NotFound, Closed, NameTaken or WorkshopFull."""
        name = " ".join(name.split())[:MAX_NAME]
        try:
            with self._tx() as session:
                workshop = session.scalar(
                    select(Workshop).where(Workshop.code == normalize_code(code)).with_for_update()
                )
                if workshop is None:
                    raise NotFound(code)
                if workshop.closed_at is not None:
                    raise Closed()
                counts = dict(
                    session.execute(
                        select(Assessment.case_id, func.count())
                        .where(Assessment.workshop_id == workshop.id)
                        .group_by(Assessment.case_id)
                    ).all()
                )
                if sum(counts.values()) >= limit:
                    raise WorkshopFull()
                case_id = min(workshop.cases, key=lambda c: counts.get(c, 0))
                row = Assessment(
                    token=new_token(),
                    questionnaire_id=workshop.questionnaire_id,
                    questionnaire_version=workshop.questionnaire_version,
                    locale=workshop.locale,
                    title=name,
                    assessor=name,
                    case_id=case_id,
                    workshop_id=workshop.id,
                    participant=name,
                    participant_key=name_key(name),
                )
                session.add(row)
            return row.token
        except IntegrityError as exc:  # the unique (workshop, name) constraint
            raise NameTaken(name) from exc

    def participants(self, workshop_id: int) -> list[Record]:
        """Every screening in a workshop with its answers and notes (not its action plan), in the
        order they joined. Read as plain rows: a dashboard of 200 groups refreshes often."""
        with self._tx() as session:
            rows = session.execute(
                select(
                    Assessment.id,
                    Assessment.token,
                    Assessment.questionnaire_id,
                    Assessment.questionnaire_version,
                    Assessment.locale,
                    Assessment.title,
                    Assessment.assessor,
                    Assessment.status,
                    Assessment.revision,
                    Assessment.created_at,
                    Assessment.updated_at,
                    Assessment.case_id,
                    Assessment.participant,
                )
                .where(Assessment.workshop_id == workshop_id)
                .order_by(Assessment.id)
            ).all()
            answers = session.execute(
                select(Answer.assessment_id, Answer.question_id, Answer.value, Answer.notes)
                .join(Assessment, Answer.assessment_id == Assessment.id)
                .where(Assessment.workshop_id == workshop_id, Answer.side == "author")
            ).all()
            closed = session.scalar(select(Workshop.closed_at).where(Workshop.id == workshop_id))
        values: dict[int, dict[str, AnswerValue]] = {}
        notes: dict[int, dict[str, str]] = {}
        for assessment_id, question_id, value, note in answers:
            if value is not None:
                values.setdefault(assessment_id, {})[question_id] = value
            if note:
                notes.setdefault(assessment_id, {})[question_id] = note
        return [
            Record(
                token=r.token,
                questionnaire=r.questionnaire_id,
                version=r.questionnaire_version,
                locale=r.locale,
                title=r.title,
                assessor=r.assessor,
                status=r.status,
                revision=r.revision,
                created_at=r.created_at,
                updated_at=r.updated_at,
                case_id=r.case_id,
                workshop_id=workshop_id,
                workshop_closed=closed is not None,
                participant=r.participant,
                answers=values.get(r.id, {}),
                notes=notes.get(r.id, {}),
            )
            for r in rows
        ]

    def close_workshop(self, trainer_token: str, closed: bool) -> WorkshopRecord:
        with self._tx() as session:
            row = session.scalar(
                select(Workshop).where(Workshop.trainer_token == trainer_token).with_for_update()
            )
            if row is None:
                raise NotFound()
            row.closed_at = utcnow() if closed else None
            session.flush()
            return _workshop(row)

    def delete_workshop(self, trainer_token: str) -> None:
        """The workshop and every participant's screening, answers and plan with it."""
        with self._tx() as session:
            row = session.scalar(select(Workshop).where(Workshop.trainer_token == trainer_token))
            if row is None:
                raise NotFound()
            ids = select(Assessment.id).where(Assessment.workshop_id == row.id)
            session.execute(delete(Answer).where(Answer.assessment_id.in_(ids)))
            session.execute(
                delete(MitigationCommitment).where(MitigationCommitment.assessment_id.in_(ids))
            )
            session.execute(delete(Assessment).where(Assessment.workshop_id == row.id))
            session.execute(delete(Workshop).where(Workshop.id == row.id))

    def _locked(self, session: Session, token: str, changing: bool = True) -> Assessment:
        row = session.scalar(
            select(Assessment)
            .where(Assessment.token == token)
            .options(
                selectinload(Assessment.answers),
                selectinload(Assessment.commitments),
                selectinload(Assessment.comments),
                selectinload(Assessment.own_findings),
            )
            .with_for_update(of=Assessment)
        )
        if row is None:
            raise NotFound(token)
        if changing and row.workshop is not None and row.workshop.closed_at is not None:
            raise Closed()
        if changing and row.status != "draft":
            raise Locked(row.status)
        return row


def _audit(
    row: Assessment, actor: Actor, action: str, target: str | None, before: Any, after: Any
) -> None:
    session = object_session(row)
    if session is None or row.id is None:
        raise RuntimeError("an audit event needs a stored screening in a transaction")
    session.add(
        AuditEvent(
            assessment_id=row.id,
            role=actor.role,
            name=actor.name[:200],
            action=action,
            target=target,
            before=before,
            after=after,
            at=utcnow(),
        )
    )


def _own(row: OwnFindingRow) -> OwnFinding:
    severity: Any = row.severity
    return OwnFinding(
        id=f"{OWN_PREFIX}{row.number}",
        check=row.check,
        severity=severity,
        title=row.title,
        risk=row.risk,
        mitigation=row.mitigation,
    )


def _own_row(o: OwnFinding) -> OwnFindingRow:
    return OwnFindingRow(
        number=int(o.id[len(OWN_PREFIX) :]),
        check=o.check,
        severity=o.severity,
        title=o.title,
        risk=o.risk,
        mitigation=o.mitigation,
    )


def _plan(entry: MitigationCommitment) -> dict[str, str]:
    status: Any = entry.status
    return Commitment(owner=entry.owner, due=entry.due, status=status).to_dict()


def _touch(row: Assessment, now: datetime) -> None:
    """Every change moves the assessment's time stamp (retention counts from it) and revision."""
    row.updated_at = now
    row.revision += 1


def _workshop(row: Workshop) -> WorkshopRecord:
    return WorkshopRecord(
        id=row.id,
        trainer_token=row.trainer_token,
        code=row.code,
        title=row.title,
        locale=row.locale,
        questionnaire=row.questionnaire_id,
        version=row.questionnaire_version,
        cases=tuple(row.cases),
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


def _record(row: Assessment) -> Record:
    return Record(
        token=row.token,
        questionnaire=row.questionnaire_id,
        version=row.questionnaire_version,
        locale=row.locale,
        title=row.title,
        assessor=row.assessor,
        status=row.status,
        revision=row.revision,
        created_at=row.created_at,
        updated_at=row.updated_at,
        share_token=row.share_token,
        passphrase_hash=row.passphrase_hash,
        case_id=row.case_id,
        workshop_id=row.workshop_id,
        workshop_closed=row.workshop is not None and row.workshop.closed_at is not None,
        participant=row.participant,
        id=row.id,
        reviewer_token=row.reviewer_token,
        version_number=row.version_number,
        previous_id=row.previous_id,
        decision_name=row.decision_name,
        decision_role=row.decision_role,
        decision_at=row.decision_at,
        decision_reason=row.decision_reason,
        frozen_sha256=row.frozen_sha256,
        comments=tuple(
            CommentRecord(c.question_id, c.name, c.text, c.created_at) for c in row.comments
        ),
        own_findings=tuple(_own(o) for o in row.own_findings),
        partner_token=row.partner_token,
        partner_name=row.partner_name,
        partner_answers={
            a.question_id: a.value
            for a in row.answers
            if a.side == "partner" and a.value is not None
        },
        partner_notes={
            a.question_id: a.notes for a in row.answers if a.side == "partner" and a.notes
        },
        answers={
            a.question_id: a.value
            for a in row.answers
            if a.side == "author" and a.value is not None
        },
        notes={a.question_id: a.notes for a in row.answers if a.side == "author" and a.notes},
        commitments={
            c.mitigation_id: Commitment(owner=c.owner, due=c.due, status=c.status)  # type: ignore[arg-type]
            for c in row.commitments
        },
    )

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
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.orm import Session, selectinload, sessionmaker

from assess.answers import AnswerFile
from assess.models import Answer, Assessment, MitigationCommitment, utcnow
from assess.questionnaire import AnswerValue, Definition
from assess.scoring import Commitment

MIGRATIONS = Path(__file__).parent / "migrations"
TOKEN_BYTES = 32  # 256 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


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
        )


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

    def get(self, token: str, by_share: bool = False) -> Record:
        """The assessment whose edit link (or, with `by_share`, read-only link) is `token`."""
        column = Assessment.share_token if by_share else Assessment.token
        with self._tx() as session:
            row = session.scalar(
                select(Assessment)
                .where(column == token)
                .options(selectinload(Assessment.answers), selectinload(Assessment.commitments))
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

    def create(self, definition: Definition, title: str, locale: str) -> str:
        with self._tx() as session:
            row = Assessment(
                token=new_token(),
                questionnaire_id=definition.id,
                questionnaire_version=definition.version,
                locale=locale,
                title=title,
                assessor="",
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
            existing = {a.question_id: a for a in row.answers}
            if base is not None:
                answers, notes = _merge(existing, answers, notes, base)
            for question_id in set(answers) | set(notes):
                answer = existing.get(question_id)
                if answer is None:
                    answer = Answer(question_id=question_id, value=None, notes=None)
                    row.answers.append(answer)
                if question_id in answers:
                    answer.value = answers[question_id]
                if question_id in notes:
                    answer.notes = notes[question_id] or None
                answer.updated_at = now
                if answer.value is None and not answer.notes:
                    row.answers.remove(answer)
            if title_from is not None and title_from in answers:
                row.title = str(answers[title_from] or "")[:200]
            _touch(row, now)
            session.flush()
            return _record(row)

    def save_commitments(self, token: str, commitments: Mapping[str, Commitment]) -> Record:
        now = utcnow()
        with self._tx() as session:
            row = self._locked(session, token)
            existing = {c.mitigation_id: c for c in row.commitments}
            for mitigation_id, c in commitments.items():
                entry = existing.get(mitigation_id)
                empty = not c.owner and c.due is None and c.status == "planned"
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
            session.add(row)
        return row.token

    def set_assessor(self, token: str, assessor: str) -> Record:
        return self._update(token, {"assessor": assessor})

    def set_share(self, token: str, enabled: bool) -> Record:
        """Create a new read-only link (any previous one stops working), or revoke it."""
        return self._update(token, {"share_token": new_token() if enabled else None})

    def rotate(self, token: str) -> Record:
        """Replace the edit link: the old one stops working at once."""
        return self._update(token, {"token": new_token()})

    def set_passphrase_hash(self, token: str, passphrase_hash: str | None) -> Record:
        return self._update(token, {"passphrase_hash": passphrase_hash})

    def _update(self, token: str, values: Mapping[str, Any]) -> Record:
        with self._tx() as session:
            row = self._locked(session, token)
            for name, value in values.items():
                setattr(row, name, value)
            _touch(row, utcnow())
            session.flush()
            return _record(row)

    def delete(self, token: str) -> None:
        """Delete an assessment with all its answers and action plan."""
        with self._tx() as session:
            session.delete(self._locked(session, token))

    def purge_drafts(self, older_than: datetime) -> int:
        """Delete the drafts nobody has touched since `older_than`; return how many."""
        with self._tx() as session:
            rows = session.scalars(
                select(Assessment).where(
                    Assessment.status == "draft", Assessment.updated_at < older_than
                )
            ).all()
            for row in rows:
                session.delete(row)
            return len(rows)

    def _locked(self, session: Session, token: str) -> Assessment:
        row = session.scalar(
            select(Assessment)
            .where(Assessment.token == token)
            .options(selectinload(Assessment.answers), selectinload(Assessment.commitments))
            .with_for_update()
        )
        if row is None:
            raise NotFound(token)
        return row


def _touch(row: Assessment, now: datetime) -> None:
    """Every change moves the assessment's time stamp (retention counts from it) and revision."""
    row.updated_at = now
    row.revision += 1


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
        answers={a.question_id: a.value for a in row.answers if a.value is not None},
        notes={a.question_id: a.notes for a in row.answers if a.notes},
        commitments={
            c.mitigation_id: Commitment(owner=c.owner, due=c.due, status=c.status)  # type: ignore[arg-type]
            for c in row.commitments
        },
    )

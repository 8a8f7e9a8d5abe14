"""Questionnaire definitions: the model, the loader, schema validation and condition evaluation.

A definition is loaded once from YAML, validated (structure by pydantic, references and ordering by
:func:`check_semantics`) and then used as frozen objects. Everything downstream (the wizard,
scoring, reports) reads answers through :func:`visibility`, so a hidden question never counts.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
QuestionType = Literal["yes_no", "single", "multi", "text"]
DONT_KNOW = "dont_know"
YES_NO_OPTIONS = ("yes", "partly", "no", DONT_KNOW)
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
SOURCE_PATTERN = re.compile(r"^(?P<key>[a-z][a-z0-9_]*)(?: (?P<ref>.+))?$")

AnswerValue = str | list[str]
Answers = Mapping[str, AnswerValue]


class YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml's when available) with YAML 1.2 booleans: only true/false. YAML 1.1
    would read the options `yes`, `no` and the key `on` as booleans."""


YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- conditions ---------------------------------------------------------------------------------


class QuestionIn(_Strict):
    question: str
    in_: tuple[str, ...] = Field(alias="in", min_length=1)


class AllOf(_Strict):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(_Strict):
    any: tuple[Condition, ...] = Field(min_length=1)


class NotOf(_Strict):
    not_: Condition = Field(alias="not")


class Ref(_Strict):
    ref: str


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return {QuestionIn: "question", AllOf: "all", AnyOf: "any", NotOf: "not", Ref: "ref"}.get(
            type(value)
        )
    if isinstance(value, dict):
        for key in ("question", "all", "any", "not", "ref"):
            if key in value:
                return key
    return None


Condition = Annotated[
    Annotated[QuestionIn, Tag("question")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Ref, Tag("ref")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition is one of {question, in}, {all}, {any}, {not}, {ref}",
    ),
]

for _model in (AllOf, AnyOf, NotOf):
    _model.model_rebuild()


# --- the definition -----------------------------------------------------------------------------


class Instrument(_Strict):
    short: str
    title: str


class Option(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: str
    exclusive: bool = False


class SeverityRule(_Strict):
    when: Condition
    severity: Severity


class Finding(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    on: tuple[str, ...] = Field(min_length=1)
    check: str | None = None
    severity: Severity
    severity_if: tuple[SeverityRule, ...] = ()
    escalate_if: Condition | None = None
    red_line: bool = False
    gap: bool = False
    title: str
    risk: str
    mitigations: tuple[str, ...] = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)


class Question(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    type: QuestionType
    # Who can answer it from their own knowledge: the public authority, the private partner, both.
    audience: Literal["authority", "private", "both"] = "both"
    label: str
    help: str | None = None
    required: bool = True
    options: tuple[Option, ...] = ()
    partly: bool = True
    dont_know: bool = True
    max_length: int = Field(default=2000, ge=1, le=20000)
    show_if: Condition | None = None
    sources: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    @cached_property
    def choices(self) -> tuple[Option, ...]:
        """The options offered, with the yes / no options spelt out."""
        if self.type != "yes_no":
            return self.options
        ids = [o for o in YES_NO_OPTIONS if (o != "partly" or self.partly)]
        ids = [o for o in ids if (o != DONT_KNOW or self.dont_know)]
        return tuple(Option(id=o, label=YES_NO_LABELS[o]) for o in ids)

    @cached_property
    def option_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.choices)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.choices if o.id == option_id), None)


YES_NO_LABELS = {"yes": "Yes", "partly": "Partly", "no": "No", DONT_KNOW: "Don't know"}


class Section(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    intro: str | None = None
    check: str | None = None
    show_if: Condition | None = None
    questions: tuple[Question, ...] = Field(min_length=1)


class Check(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    standard: str
    sources: tuple[str, ...] = Field(min_length=1)
    applies_when: Condition | None = None
    not_applicable: str


class Notice(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    level: Literal["out_of_scope", "info"]
    when: Condition
    text: str
    sources: tuple[str, ...] = ()


class Mitigation(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    owner: str
    text: str
    sources: tuple[str, ...] = Field(min_length=1)


class Definition(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: str
    summary: str
    title_question: str | None = None  # a text question whose answer names the assessment
    instruments: dict[str, Instrument]
    conditions: dict[str, Condition] = Field(default_factory=dict)
    checks: tuple[Check, ...] = Field(min_length=1)
    notices: tuple[Notice, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)
    mitigations: tuple[Mitigation, ...] = ()

    # -- lookups (derived once; the model is frozen) --

    @cached_property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for s in self.sections for q in s.questions}

    @cached_property
    def section_of(self) -> dict[str, Section]:
        return {q.id: s for s in self.sections for q in s.questions}

    @cached_property
    def check_by_id(self) -> dict[str, Check]:
        return {c.id: c for c in self.checks}

    @cached_property
    def mitigation_by_id(self) -> dict[str, Mitigation]:
        return {m.id: m for m in self.mitigations}

    @cached_property
    def findings(self) -> dict[str, tuple[Question, Finding]]:
        return {f.id: (q, f) for q in self.questions.values() for f in q.findings}

    def finding_check(self, question: Question, finding: Finding) -> str:
        """The check a finding belongs to: its own, else its section's."""
        check = finding.check or self.section_of[question.id].check
        assert check is not None  # guaranteed by check_semantics
        return check

    def source_label(
        self,
        source: str,
        translate: Callable[[str], str] = str,
        cite: Callable[[str], str] = str,
        join: Callable[[str, str], str] = lambda short, ref: f"{short} {ref}".strip(),
    ) -> str:
        """'smom art. 5' -> 'Smuggling of Migrants Protocol art. 5' (short name, then reference);
        `translate` localises the short name, `cite` the reference, `join` puts them together."""
        key, ref = parse_source(source)
        return join(translate(self.instruments[key].short), cite(ref) if ref else "")

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)


def parse_source(source: str) -> tuple[str, str]:
    match = SOURCE_PATTERN.match(source)
    if not match:
        raise ValueError(f"not a source: {source!r}")
    return match["key"], match["ref"] or ""


# --- condition evaluation and visibility ---------------------------------------------------------


def evaluate(condition: Condition, answers: Answers, definition: Definition) -> bool:
    """Evaluate a declarative condition against answers (never `eval`)."""
    if isinstance(condition, QuestionIn):
        value = answers.get(condition.question)
        if value is None:
            return False
        chosen = {value} if isinstance(value, str) else set(value)
        return bool(chosen.intersection(condition.in_))
    if isinstance(condition, AllOf):
        return all(evaluate(c, answers, definition) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(evaluate(c, answers, definition) for c in condition.any)
    if isinstance(condition, NotOf):
        return not evaluate(condition.not_, answers, definition)
    return evaluate(definition.conditions[condition.ref], answers, definition)


@dataclass(frozen=True)
class Visibility:
    """Which checks apply and which sections and questions are shown, for one set of answers."""

    checks: frozenset[str]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    answers: dict[str, AnswerValue]  # only the answers to visible questions
    by_section: dict[str, tuple[Question, ...]]  # the visible questions of each visible section

    def shows(self, question_id: str) -> bool:
        return any(q.id == question_id for q in self.questions)

    def shown_in(self, section: Section) -> tuple[Question, ...]:
        return self.by_section.get(section.id, ())


def visibility(definition: Definition, answers: Answers) -> Visibility:
    """Walk the sections in order; a condition only reads earlier sections, so one pass suffices.

    Answers to hidden questions are dropped before any later condition reads them, so a stale answer
    left behind by a changed profile never counts anywhere.
    """
    effective: dict[str, AnswerValue] = {}
    # Checks without a condition always apply; the others are decided when their first section is
    # reached, from the (visible) answers before it.
    checks = {c.id for c in definition.checks if c.applies_when is None}
    decided = set(checks)
    sections: list[Section] = []
    questions: list[Question] = []
    by_section: dict[str, tuple[Question, ...]] = {}
    for section in definition.sections:
        if section.check is not None and section.check not in decided:
            check = definition.check_by_id[section.check]
            assert check.applies_when is not None
            if evaluate(check.applies_when, effective, definition):
                checks.add(check.id)
            decided.add(check.id)
        if section.check is not None and section.check not in checks:
            continue
        if section.show_if is not None and not evaluate(section.show_if, effective, definition):
            continue
        shown = [
            q
            for q in section.questions
            if q.show_if is None or evaluate(q.show_if, effective, definition)
        ]
        if not shown:
            continue
        sections.append(section)
        questions.extend(shown)
        by_section[section.id] = tuple(shown)
        for q in shown:
            if q.id in answers:
                effective[q.id] = answers[q.id]
    for check in definition.checks:
        if check.id not in decided:
            assert check.applies_when is not None
            if evaluate(check.applies_when, effective, definition):
                checks.add(check.id)
    return Visibility(frozenset(checks), tuple(sections), tuple(questions), effective, by_section)


def same_answer(a: AnswerValue | None, b: AnswerValue | None) -> bool:
    """Two answers say the same: the options of a multiple choice in any order."""
    if isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b)
    return a == b


def is_answered(question: Question, value: AnswerValue | None) -> bool:
    if value is None:
        return False
    if isinstance(value, list):
        return bool(value)
    return value.strip() != ""


# --- loading and validation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    file: str
    place: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.place or '(top)'}: {self.reason}"


class DefinitionError(Exception):
    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in problems))


def _line_map(text: str) -> dict[tuple[str | int, ...], int]:
    """Map each path in a YAML document to its 1-based line number."""
    lines: dict[tuple[str | int, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value))
                lines[child] = key.start_mark.line + 1
                walk(value, child)
                lines[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    root = yaml.compose(text, Loader=YamlLoader)
    if root is not None:
        walk(root, ())
    return lines


def _place(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _LazyLines:
    """The path-to-line map, composed only when a problem needs a line number."""

    def __init__(self, text: str):
        self.text = text
        self._map: dict[tuple[str | int, ...], int] | None = None

    def __contains__(self, path: object) -> bool:
        return path in self.map

    def __getitem__(self, path: tuple[str | int, ...]) -> int:
        return self.map[path]

    @property
    def map(self) -> dict[tuple[str | int, ...], int]:
        if self._map is None:
            self._map = _line_map(self.text)
        return self._map


def _nearest_line(lines: _LazyLines, path: tuple[str | int, ...]) -> int | None:
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]


def load_definition(path: Path) -> Definition:
    """Load and fully validate one questionnaire file; raise DefinitionError naming every
    problem."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        # YamlLoader derives from (C)SafeLoader: no arbitrary objects.
        raw = yaml.load(text, Loader=YamlLoader)  # noqa: S506  # nosec B506
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(name, "", None, f"cannot read the file: {exc}")]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DefinitionError([Problem(name, "", line, f"not valid YAML: {exc}")]) from exc
    if not isinstance(raw, dict):
        raise DefinitionError([Problem(name, "", 1, "the file must hold a mapping")])
    lines = _LazyLines(text)
    try:
        definition = Definition.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p in _TAGS))
            problems.append(Problem(name, _place(loc), _nearest_line(lines, loc), error["msg"]))
        raise DefinitionError(problems) from exc
    semantic = [
        Problem(name, _place(p), _nearest_line(lines, p), reason)
        for p, reason in check_semantics(definition)
    ]
    if semantic:
        raise DefinitionError(semantic)
    return definition


_TAGS = {"question", "all", "any", "not", "ref"}


def _conditions_in(condition: Condition) -> Iterator[QuestionIn | Ref]:
    if isinstance(condition, QuestionIn | Ref):
        yield condition
    elif isinstance(condition, AllOf):
        for c in condition.all:
            yield from _conditions_in(c)
    elif isinstance(condition, AnyOf):
        for c in condition.any:
            yield from _conditions_in(c)
    elif isinstance(condition, NotOf):
        yield from _conditions_in(condition.not_)


Path_ = tuple[str | int, ...]


def check_semantics(d: Definition) -> list[tuple[Path_, str]]:
    """Everything the schema cannot say: unique ids, resolving references, backward-only conditions,
    reachable checks, gap findings on every "don't know"."""
    errors: list[tuple[Path_, str]] = []
    question_index: dict[str, int] = {}
    seen: dict[str, Path_] = {}

    def unique(kind: str, ident: str, path: Path_) -> None:
        key = f"{kind}:{ident}"
        if key in seen:
            errors.append((path, f"duplicate {kind} id {ident!r} (first at {_place(seen[key])})"))
        else:
            seen[key] = path

    def sources(items: Iterable[str], path: Path_) -> None:
        for i, source in enumerate(items):
            match = SOURCE_PATTERN.match(source)
            if not match:
                errors.append(((*path, i), f"source {source!r} is not '<instrument> <reference>'"))
            elif match["key"] not in d.instruments:
                errors.append(
                    ((*path, i), f"source {source!r} names unknown instrument {match['key']!r}")
                )

    # Named conditions must resolve without cycles; checked with the section that uses them.
    def resolve_refs(cond: Condition, path: Path_, trail: tuple[str, ...] = ()) -> list[QuestionIn]:
        atoms: list[QuestionIn] = []
        for atom in _conditions_in(cond):
            if isinstance(atom, Ref):
                if atom.ref not in d.conditions:
                    errors.append(
                        (path, f"condition refers to unknown named condition {atom.ref!r}")
                    )
                elif atom.ref in trail:
                    errors.append((path, f"named condition {atom.ref!r} refers to itself"))
                else:
                    atoms.extend(resolve_refs(d.conditions[atom.ref], path, (*trail, atom.ref)))
            else:
                atoms.append(atom)
        return atoms

    def condition(cond: Condition, path: Path_, before: int, strictly: bool) -> None:
        """Every question read must exist, be in a section before `before` (or the same one when
        not strictly), and every option named must be one of its options."""
        for atom in resolve_refs(cond, path):
            q = d.questions.get(atom.question)
            if q is None:
                errors.append((path, f"condition reads unknown question {atom.question!r}"))
                continue
            where = question_index[atom.question]
            if where > before or (strictly and where == before):
                errors.append(
                    (
                        path,
                        f"condition reads question {atom.question!r} of a later section "
                        f"({d.section_of[atom.question].id!r}); conditions may only look back",
                    )
                )
            for option in atom.in_:
                if option not in q.option_ids:
                    errors.append((path, f"question {atom.question!r} has no option {option!r}"))

    for key, instrument in d.instruments.items():
        if not re.match(ID_PATTERN, key):
            errors.append((("instruments", key), "instrument keys are snake_case"))
        del instrument
    for i, c in enumerate(d.checks):
        unique("check", c.id, ("checks", i))
        sources(c.sources, ("checks", i, "sources"))
    for i, m in enumerate(d.mitigations):
        unique("mitigation", m.id, ("mitigations", i))
        sources(m.sources, ("mitigations", i, "sources"))
    for si, s in enumerate(d.sections):
        unique("section", s.id, ("sections", si))
        if s.check is not None and s.check not in d.check_by_id:
            errors.append((("sections", si, "check"), f"unknown check {s.check!r}"))
        for qi, q in enumerate(s.questions):
            unique("question", q.id, ("sections", si, "questions", qi))
            question_index.setdefault(q.id, si)

    used_mitigations: set[str] = set()
    for si, s in enumerate(d.sections):
        spath: Path_ = ("sections", si)
        if s.show_if is not None:
            condition(s.show_if, (*spath, "show_if"), si, strictly=True)
        for qi, q in enumerate(s.questions):
            qpath: Path_ = (*spath, "questions", qi)
            sources(q.sources, (*qpath, "sources"))
            if q.show_if is not None:
                condition(q.show_if, (*qpath, "show_if"), si, strictly=True)
            if q.type in ("single", "multi") and len(q.options) < 2:
                errors.append(
                    ((*qpath, "options"), f"a {q.type} question needs at least 2 options")
                )
            if q.type in ("yes_no", "text") and q.options:
                errors.append(((*qpath, "options"), f"a {q.type} question takes no options"))
            if q.type != "text" and "max_length" in q.model_fields_set:
                errors.append(((*qpath, "max_length"), "only text questions have a max_length"))
            if q.type == "text" and q.findings:
                errors.append(((*qpath, "findings"), "text answers cannot raise findings"))
            option_ids = [o.id for o in q.options]
            for dup in {o for o in option_ids if option_ids.count(o) > 1}:
                errors.append(((*qpath, "options"), f"duplicate option id {dup!r}"))
            if any(o.exclusive for o in q.options) and q.type != "multi":
                errors.append(((*qpath, "options"), "only multi options can be exclusive"))
            if q.type == "multi" and any(o.id == DONT_KNOW and not o.exclusive for o in q.options):
                errors.append(
                    ((*qpath, "options"), "'dont_know' in a multi question must be exclusive")
                )
            gap_covered = False
            for fi, f in enumerate(q.findings):
                fpath: Path_ = (*qpath, "findings", fi)
                unique("finding", f.id, fpath)
                for option in f.on:
                    if option not in q.option_ids:
                        errors.append(
                            ((*fpath, "on"), f"question {q.id!r} has no option {option!r}")
                        )
                if DONT_KNOW in f.on:
                    gap_covered = True
                check = f.check or s.check
                if check is None:
                    errors.append(
                        (
                            (*fpath, "check"),
                            "a finding outside a check's section must name its check",
                        )
                    )
                elif check not in d.check_by_id:
                    errors.append(((*fpath, "check"), f"unknown check {check!r}"))
                for mi, mid in enumerate(f.mitigations):
                    used_mitigations.add(mid)
                    if mid not in d.mitigation_by_id:
                        errors.append(((*fpath, "mitigations", mi), f"unknown mitigation {mid!r}"))
                sources(f.sources, (*fpath, "sources"))
                for ri, rule in enumerate(f.severity_if):
                    condition(rule.when, (*fpath, "severity_if", ri, "when"), si, strictly=False)
                if f.escalate_if is not None:
                    condition(f.escalate_if, (*fpath, "escalate_if"), si, strictly=False)
            if DONT_KNOW in q.option_ids and not gap_covered:
                errors.append(
                    (qpath, f"question {q.id!r} offers 'don't know' but no finding is raised on it")
                )
    if d.title_question is not None:
        titled = d.questions.get(d.title_question)
        if titled is None or titled.type != "text":
            errors.append((("title_question",), "title_question must name a text question"))
    for i, m in enumerate(d.mitigations):
        if m.id not in used_mitigations:
            errors.append((("mitigations", i), f"mitigation {m.id!r} is not used by any finding"))
    for i, n in enumerate(d.notices):
        unique("notice", n.id, ("notices", i))
        condition(n.when, ("notices", i, "when"), len(d.sections), strictly=False)
        sources(n.sources, ("notices", i, "sources"))
    for name, cond in d.conditions.items():
        resolve_refs(cond, ("conditions", name))
    for i, c in enumerate(d.checks):
        sections = [si for si, s in enumerate(d.sections) if s.check == c.id]
        if not sections:
            errors.append((("checks", i), f"check {c.id!r} has no section"))
            continue
        if c.applies_when is not None:
            condition(c.applies_when, ("checks", i, "applies_when"), sections[0], strictly=True)
    if not errors:
        for i, c in enumerate(d.checks):
            if not _reachable(d, c):
                errors.append((("checks", i), f"no profile makes check {c.id!r} apply"))
    return errors


def _reachable(d: Definition, check: Check) -> bool:
    """Is there any set of answers under which the check applies and shows a question?"""
    if check.applies_when is None:
        return True
    atoms = [a for a in _conditions_in(check.applies_when)]
    # Expand refs to the questions they read.
    questions: list[str] = []
    stack: list[QuestionIn | Ref] = list(atoms)
    while stack:
        atom = stack.pop()
        if isinstance(atom, Ref):
            stack.extend(_conditions_in(d.conditions[atom.ref]))
        elif atom.question not in questions:
            questions.append(atom.question)
    candidates: list[list[AnswerValue | None]] = []
    for qid in questions:
        q = d.questions[qid]
        values: list[AnswerValue | None] = [None]
        if q.type == "multi":
            values += [[o.id] for o in q.choices] + [[o.id for o in q.choices]]
        else:
            values += [o.id for o in q.choices]
        candidates.append(values)
    for combo in itertools.islice(itertools.product(*candidates), 200_000):
        answers = {qid: v for qid, v in zip(questions, combo, strict=True) if v is not None}
        if check.id in visibility(d, answers).checks:
            return True
    return False


# --- the registry of loaded questionnaires --------------------------------------------------------


class Registry:
    """Every questionnaire version found under a folder, loaded and validated once."""

    def __init__(self, definitions: Iterable[Definition]):
        self._by_key: dict[tuple[str, int], Definition] = {}
        for d in definitions:
            self._by_key[d.key] = d

    @classmethod
    def from_folder(cls, folder: Path) -> Registry:
        problems: list[Problem] = []
        definitions = []
        for path in sorted(questionnaire_files(folder)):
            try:
                definitions.append(load_definition(path))
            except DefinitionError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DefinitionError(problems)
        if not definitions:
            raise DefinitionError([Problem(str(folder), "", None, "no questionnaire found")])
        return cls(definitions)

    def get(self, questionnaire_id: str, version: int) -> Definition | None:
        return self._by_key.get((questionnaire_id, version))

    def latest(self, questionnaire_id: str | None = None) -> Definition:
        candidates = [d for d in self._by_key.values() if questionnaire_id in (None, d.id)]
        if not candidates:
            raise KeyError(questionnaire_id)
        return max(candidates, key=lambda d: d.version)

    def __iter__(self) -> Iterator[Definition]:
        return iter(sorted(self._by_key.values(), key=lambda d: d.key))


def questionnaire_files(folder: Path) -> Iterator[Path]:
    """`<folder>/<id>/<version>.yaml`."""
    for path in folder.glob("*/*.yaml"):
        if path.stem.isdigit():
            yield path

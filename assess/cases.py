"""The case library: training scenarios with a narrative for participants and notes for trainers.

A case lives beside its questionnaire, in `questionnaires/<id>/cases/<case>.yaml`, and names a
reference answer file in `questionnaires/<id>/scenarios/` holding the model answers. The expected
ratings and verdict in the trainer notes are computed from those answers by the same scoring as
everything else, so notes and app can never disagree; the written reasons are checked against them
by the tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assess import answers as answer_file
from assess.questionnaire import (
    Definition,
    DefinitionError,
    Problem,
    Registry,
    YamlLoader,
    questionnaire_files,
)
from assess.scoring import Result, score

CASE_ID = r"^[a-z0-9][a-z0-9-]{1,79}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrainerNotes(_Strict):
    expected: tuple[str, ...] = Field(min_length=1)
    discussion: tuple[str, ...] = Field(min_length=1)


class Case(_Strict):
    id: str = Field(pattern=CASE_ID)
    reference: str = Field(pattern=CASE_ID)
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=300)
    seed: str = Field(min_length=1)
    narrative: tuple[str, ...] = Field(min_length=1)
    trainer_notes: TrainerNotes


@dataclass(frozen=True)
class LibraryCase:
    """A case with what the trainer needs: its questionnaire, model answers and expected outcome
    (as designed, before any mitigation is committed to)."""

    case: Case
    definition: Definition
    reference: answer_file.AnswerFile
    expected: Result

    @property
    def id(self) -> str:
        return self.case.id


class CaseLibrary:
    def __init__(self, cases: list[LibraryCase]):
        self._cases = {c.id: c for c in sorted(cases, key=lambda c: c.id)}

    @classmethod
    def from_folder(cls, folder: Path, registry: Registry) -> CaseLibrary:
        """Every `<questionnaire>/cases/*.yaml` under `folder`; DefinitionError lists every
        problem."""
        problems: list[Problem] = []
        cases: list[LibraryCase] = []
        questionnaire_folders = {p.parent for p in questionnaire_files(folder)}
        for qfolder in sorted(questionnaire_folders):
            for path in sorted((qfolder / "cases").glob("*.yaml")):
                try:
                    cases.append(_load(path, qfolder, registry))
                except DefinitionError as exc:
                    problems.extend(exc.problems)
        seen: set[str] = set()
        for case in cases:
            if case.id in seen:
                problems.append(Problem(case.id, "id", None, "two cases have this id"))
            seen.add(case.id)
        if problems:
            raise DefinitionError(problems)
        return cls(cases)

    def get(self, case_id: str | None) -> LibraryCase | None:
        return self._cases.get(case_id or "")

    def __iter__(self) -> Iterator[LibraryCase]:
        return iter(self._cases.values())

    def __len__(self) -> int:
        return len(self._cases)


def _load(path: Path, qfolder: Path, registry: Registry) -> LibraryCase:
    name = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YamlLoader)  # noqa: S506  # nosec B506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DefinitionError([Problem(name, "", None, f"cannot read the case: {exc}")]) from exc
    try:
        case = Case.model_validate(raw)
    except ValidationError as exc:
        raise DefinitionError(
            [
                Problem(name, ".".join(str(p) for p in e["loc"]), None, e["msg"])
                for e in exc.errors()
            ]
        ) from exc
    if case.id != path.stem:
        raise DefinitionError([Problem(name, "id", None, "the id must be the file name")])
    reference_path = qfolder / "scenarios" / f"{case.reference}.json"
    try:
        reference = answer_file.loads(reference_path.read_bytes(), registry)
    except OSError as exc:
        problem = Problem(name, "reference", None, f"no answer file {reference_path}")
        raise DefinitionError([problem]) from exc
    except answer_file.AnswerFileError as exc:
        raise DefinitionError(
            [Problem(str(reference_path), "", None, p) for p in exc.problems]
        ) from exc
    definition = registry.get(reference.questionnaire, reference.version)
    if definition is None or reference.questionnaire != qfolder.name:
        problem = Problem(
            name, "reference", None, "the model answers are for another questionnaire"
        )
        raise DefinitionError([problem])
    expected = score(definition, reference.answers)
    if not expected.complete:
        missing = ", ".join(expected.required_missing)
        problem = Problem(name, "reference", None, f"the model answers leave out: {missing}")
        raise DefinitionError([problem])
    return LibraryCase(case, definition, reference, expected)

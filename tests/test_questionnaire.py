"""Questionnaire files: schema, references, ordering, reachability, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import MINI

from assess import create_app
from assess.questionnaire import (
    DefinitionError,
    Registry,
    YamlLoader,
    load_definition,
    visibility,
)

MINI_FILE = MINI / "mini" / "1.yaml"


def _variant(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.load(MINI_FILE.read_text(), Loader=YamlLoader)
    edit(raw)
    folder = tmp_path / "mini"
    folder.mkdir(exist_ok=True)
    path = folder / "1.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    return [str(p) for p in caught.value.problems]


def test_yes_no_and_on_are_not_booleans() -> None:
    d = load_definition(MINI_FILE)
    finding = d.questions["targets"].findings[0]
    assert finding.on == ("no",)


def test_schema_error_names_file_line_place_and_reason(tmp_path: Path) -> None:
    path = _variant(tmp_path, lambda r: r["sections"][1]["questions"][0].update(type="slider"))
    (problem,) = _problems(path)
    assert str(path) in problem
    assert "sections[1].questions[0].type" in problem
    assert "'yes_no', 'single', 'multi' or 'text'" in problem
    line = int(problem.split(":")[1])
    assert "type: slider" in path.read_text().splitlines()[line - 1]


def test_unknown_references_are_reported(tmp_path: Path) -> None:
    def edit(raw):  # type: ignore[no-untyped-def]
        finding = raw["sections"][1]["questions"][0]["findings"][0]
        finding["mitigations"] = ["m_missing"]
        finding["on"] = ["never"]
        finding["sources"] = ["nowhere art. 1"]
        raw["sections"][0]["questions"][1]["id"] = "name"

    problems = "\n".join(_problems(_variant(tmp_path, edit)))
    assert "unknown mitigation 'm_missing'" in problems
    assert "has no option 'never'" in problems
    assert "unknown instrument 'nowhere'" in problems
    assert "duplicate question id 'name'" in problems


def test_conditions_may_not_look_forward(tmp_path: Path) -> None:
    def edit(raw):  # type: ignore[no-untyped-def]
        raw["sections"][0]["questions"][2]["show_if"] = {"question": "targets", "in": ["yes"]}

    problems = "\n".join(_problems(_variant(tmp_path, edit)))
    assert "sections[0].questions[2].show_if" in problems
    assert "later section" in problems


def test_dont_know_must_raise_a_finding(tmp_path: Path) -> None:
    def edit(raw):  # type: ignore[no-untyped-def]
        raw["sections"][1]["questions"][0]["findings"].pop(2)

    problems = "\n".join(_problems(_variant(tmp_path, edit)))
    assert "offers 'don't know' but no finding is raised on it" in problems


def test_every_check_must_be_reachable(tmp_path: Path) -> None:
    def edit(raw):  # type: ignore[no-untyped-def]
        raw["checks"][1]["applies_when"] = {
            "all": [
                {"question": "basis", "in": ["voluntary"]},
                {"question": "basis", "in": ["contract"]},
            ]
        }

    problems = "\n".join(_problems(_variant(tmp_path, edit)))
    assert "no profile makes check 'sea' apply" in problems


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "mini"
    folder.mkdir()
    path = folder / "1.yaml"
    path.write_text("id: mini\nversion: [1\n")
    (problem,) = _problems(path)
    assert "not valid YAML" in problem


def test_app_refuses_to_start_on_an_invalid_questionnaire(tmp_path: Path) -> None:
    path = _variant(tmp_path, lambda r: r["checks"][0].pop("title"))
    with pytest.raises(DefinitionError) as caught:
        create_app(
            {
                "SECRET_KEY": "x",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}",
                "QUESTIONNAIRES": str(tmp_path),
                "INSTANCE_PATH": str(tmp_path / "instance"),
            }
        )
    message = str(caught.value)
    assert str(path) in message and "checks[0].title" in message and "Field required" in message


def test_visibility_drops_answers_to_hidden_questions() -> None:
    d = load_definition(MINI_FILE)
    view = visibility(d, {"sectors": ["bank"], "protocol": "no"})
    assert "sea" not in view.checks
    assert "protocol" not in view.answers
    view = visibility(d, {"sectors": ["vessel"], "protocol": "no"})
    assert "sea" in view.checks and view.answers["protocol"] == "no"


def test_registry_keeps_every_version(tmp_path: Path) -> None:
    _variant(tmp_path, lambda r: None)
    second = tmp_path / "mini" / "2.yaml"
    raw = yaml.load(MINI_FILE.read_text(), Loader=YamlLoader)
    raw["version"] = 2
    second.write_text(yaml.safe_dump(raw, sort_keys=False))
    registry = Registry.from_folder(tmp_path)
    assert registry.get("mini", 1) is not None
    assert registry.get("mini", 2) is not None
    assert registry.latest().version == 2

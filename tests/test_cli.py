"""The `assess` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import MINI

from assess.cli import main
from assess.questionnaire import YamlLoader


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    monkeypatch.setenv("ASSESS_QUESTIONNAIRES", str(MINI))
    return CliRunner()


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["validate"], ["db"], ["db", "upgrade"], ["score"]]
)
def test_help_on_every_command(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_validate_ok_and_failing(runner: CliRunner, tmp_path: Path) -> None:
    ok = runner.invoke(main, ["validate"])
    assert ok.exit_code == 0 and "ok (mini version 1" in ok.output
    raw = yaml.load((MINI / "mini" / "1.yaml").read_text(), Loader=YamlLoader)
    raw["sections"][1]["questions"][0]["findings"][0]["severity"] = "apocalyptic"
    bad = tmp_path / "bad" / "1.yaml"
    bad.parent.mkdir()
    bad.write_text(yaml.safe_dump(raw))
    failed = runner.invoke(main, ["validate", str(bad)])
    assert failed.exit_code == 1
    assert "findings[0].severity" in failed.output and str(bad) in failed.output


def test_score_prints_the_result_as_json(runner: CliRunner, tmp_path: Path) -> None:
    answers = {
        "questionnaire": "mini",
        "version": 1,
        "answers": {"name": "x", "sectors": ["bank"], "basis": "voluntary", "targets": "no"},
        "mitigations": {"m_targets": {"owner": "FIU", "due": "2027-01-31", "status": "planned"}},
    }
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    result = runner.invoke(main, ["score", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == "proceed_with_conditions"
    assert data["checks"]["harm"]["rating"] == "medium"
    assert data["checks"]["harm"]["inherent_rating"] == "high"
    assert data["findings"][0]["id"] == "targets_migrants"
    assert data["findings"][0]["red_line"] is False
    assert data["mitigations"][0]["owner"] == "FIU"


def test_score_rejects_a_bad_file_listing_every_problem(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(
        json.dumps(
            {
                "questionnaire": "mini",
                "version": 1,
                "answers": {"ghost": "x", "basis": "bribe", "sectors": "bank"},
                "mitigations": {"m_nope": {}},
            }
        )
    )
    result = runner.invoke(main, ["score", str(path)])
    assert result.exit_code == 1
    for fragment in (
        "unknown question ids: ghost",
        "answer to 'basis': unknown option 'bribe'",
        "answer to 'sectors': must be a list",
        "unknown mitigation ids: m_nope",
    ):
        assert fragment in result.output


def test_db_upgrade_creates_the_database(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "instance"))
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.db").is_file()


def test_purge_drafts_deletes_only_untouched_drafts(
    runner: CliRunner, tmp_path: Path, monkeypatch
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from assess.models import Assessment
    from assess.questionnaire import Registry
    from assess.store import Store, upgrade

    url = f"sqlite:///{tmp_path / 'purge.db'}"
    upgrade(url)
    store = Store(url)
    definition = Registry.from_folder(MINI).latest()
    old, recent = store.create(definition, "Old", "en"), store.create(definition, "New", "en")
    with store.engine.begin() as conn:
        conn.execute(
            update(Assessment)
            .where(Assessment.token == old)
            .values(updated_at=datetime.now(UTC) - timedelta(days=400))
        )
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSESS_INSTANCE", str(tmp_path / "instance"))
    result = runner.invoke(main, ["purge-drafts", "--days", "365"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 draft(s)" in result.output
    assert [t for t, _title, _u in store.titles([old, recent])] == [recent]
    store.engine.dispose()

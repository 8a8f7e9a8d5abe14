"""The `assess` command: serve, validate, db upgrade, score."""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from assess.answers import AnswerFile
from assess.paths import resource
from assess.questionnaire import (
    Definition,
    DefinitionError,
    Registry,
    load_definition,
    questionnaire_files,
)


def _unspecified(host: str) -> bool:
    """0.0.0.0 or :: (every interface): print a local address the user can open instead."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _questionnaires() -> Path:
    """ASSESS_QUESTIONNAIRES, else the installed questionnaires."""
    return Path(os.environ.get("ASSESS_QUESTIONNAIRES") or resource("questionnaires"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Screen a proposed public-private partnership against migrant smuggling."""


@main.command()
@click.option(
    "--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="HOST or 127.0.0.1"
)
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "5000")),
    show_default="PORT or 5000",
)
@click.option(
    "--workers",
    type=int,
    # One more process than cores: measured with 200 workshop participants on 2 cores, 2 workers
    # left saves waiting seconds behind the join burst (p95 0.3-3 s), 3 kept them under 80 ms.
    default=lambda: int(os.environ.get("WORKERS", str((os.cpu_count() or 1) + 1))),
    show_default="WORKERS or the number of cores + 1",
)
@click.option("--threads", type=int, default=4, show_default=True)
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Migrate the database, then serve the app with gunicorn."""
    from gunicorn.app.base import BaseApplication

    from assess import create_app
    from assess.store import upgrade

    app = create_app()  # fails here, before forking, on an invalid questionnaire
    upgrade(app.config["DATABASE_URL"])

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            # A worker only takes what its threads can serve soon, so that a burst of slow requests
            # (PDFs) spreads over every worker instead of queueing in the first one.
            self.cfg.set("worker_connections", threads * 2)
            self.cfg.set("accesslog", "-")
            # Never log query strings or paths with tokens: log method, status and timing only.
            self.cfg.set("access_log_format", '%(t)s "%(m)s" %(s)s %(b)s %(M)sms')
            self.cfg.set("graceful_timeout", 5)

        def load(self) -> Any:
            return create_app()

    shown = "127.0.0.1" if _unspecified(host) else host
    click.echo(f"assess is starting: open http://{shown}:{port}/ (Ctrl-C stops it)")
    Server().run()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check questionnaire files (default: every installed questionnaire)."""
    files: list[Path] = []
    for path in paths or (_questionnaires(),):
        files.extend(sorted(questionnaire_files(path)) if path.is_dir() else [path])
    if not files:
        click.echo("no questionnaire files found", err=True)
        sys.exit(1)
    failed = False
    for file in files:
        try:
            d = load_definition(file)
        except DefinitionError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        questions = len(d.questions)
        findings = len(d.findings)
        click.echo(
            f"{file}: ok ({d.id} version {d.version}: {questions} questions, {findings} findings)"
        )
    if not paths and not failed:  # the case library, checked against the installed questionnaires
        from assess.cases import CaseLibrary

        try:
            folder = _questionnaires()
            library = CaseLibrary.from_folder(folder, Registry.from_folder(folder))
        except DefinitionError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
        else:
            click.echo(f"case library: ok ({len(library)} cases with model answers)")
    sys.exit(1 if failed else 0)


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or migrate the database (DATABASE_URL, else SQLite under instance/)."""
    from assess import create_app
    from assess.store import upgrade

    app = create_app()
    upgrade(app.config["DATABASE_URL"], revision)
    click.echo("database is up to date")


@main.command()
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def score(answers: Path) -> None:
    """Score an answer file and print the result as JSON."""

    data, definition = _answer_file(answers, Registry.from_folder(_questionnaires()))
    result = data.score(definition)
    click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))


def _answer_file(path: Path, registry: Registry) -> tuple[AnswerFile, Definition]:
    """Read and check an answer file; on any problem, list them all and exit 1."""
    from assess.answers import AnswerFileError, loads

    try:
        data = loads(path.read_bytes(), registry)
    except AnswerFileError as exc:
        for problem in exc.problems:
            click.echo(f"{path}: {problem}", err=True)
        sys.exit(1)
    definition = registry.get(data.questionnaire, data.version)
    assert definition is not None  # loads() checked it
    return data, definition


@main.command()
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lang", default="en", show_default=True, help="The report's language.")
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "html", "json"]), default="pdf", show_default=True
)
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
def report(answers: Path, output: Path, lang: str, fmt: str, paper: str) -> None:
    """Write the risk report of an answer file as PDF, HTML or JSON (the report model itself)."""
    from datetime import UTC, datetime

    from flask import g
    from flask_babel import force_locale

    from assess import create_app
    from assess.report import RenderError, build, reference_for, render_html, render_pdf

    app = create_app({"QUESTIONNAIRES": str(_questionnaires())})
    if lang not in app.config["LANGUAGES"]:
        known = ", ".join(app.config["LANGUAGES"])
        click.echo(f"unknown language {lang!r}; this installation has {known}", err=True)
        sys.exit(2)
    data, definition = _answer_file(answers, app.extensions["assess.registry"])
    result = data.score(definition)
    with app.test_request_context(), force_locale(lang):
        g.lang = lang
        model = build(
            definition, data, result, lang, reference_for(data.sha256()), datetime.now(UTC)
        )
        if fmt == "json":
            output.write_text(json.dumps(model.to_dict(), indent=2, ensure_ascii=False) + "\n")
        elif fmt == "html":
            output.write_text(render_html(model, paper, for_pdf=True), encoding="utf-8")
        else:
            try:
                output.write_bytes(render_pdf(model, paper))
            except RenderError as exc:
                click.echo(f"{answers}: {exc}", err=True)
                sys.exit(1)
    click.echo(f"{output}: {model.verdict} ({fmt}, {lang}, {paper})")


@main.command("purge-drafts")
@click.option(
    "--days",
    type=int,
    default=lambda: int(os.environ.get("ASSESS_RETENTION_DAYS", "365")),
    show_default="ASSESS_RETENTION_DAYS or 365",
    help="Delete drafts untouched for this many days.",
)
def purge_drafts(days: int) -> None:
    """Delete draft screenings nobody has touched for DAYS days (for cron)."""
    from datetime import UTC, datetime, timedelta

    from assess import create_app
    from assess.store import Store

    if days < 1:
        click.echo("--days must be at least 1", err=True)
        sys.exit(2)
    app = create_app()
    store: Store = app.extensions["assess.store"]
    removed = store.purge_drafts(datetime.now(UTC) - timedelta(days=days))
    store.engine.dispose()
    click.echo(f"deleted {removed} draft(s) untouched for {days} days")

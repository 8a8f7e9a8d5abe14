"""Thin web layer: blueprints that turn requests into store and scoring calls, and results into
pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g

from assess.i18n import DEFAULT_LOCALE
from assess.questionnaire import Definition, Registry
from assess.store import Record, Store


def registry() -> Registry:
    reg: Registry = current_app.extensions["assess.registry"]
    return reg


def store() -> Store:
    st: Store = current_app.extensions["assess.store"]
    return st


def definition_of(record: Record) -> Definition:
    definition = registry().get(record.questionnaire, record.version)
    if definition is None:  # a questionnaire version was removed from this installation
        raise LookupError(f"{record.questionnaire} version {record.version} is not installed")
    return definition


def localized_blueprint(name: str) -> Blueprint:
    """A blueprint whose URLs all start with /<lang>/ (Flask docs, patterns/urlprocessors)."""
    bp = Blueprint(name, __name__, url_prefix="/<lang>")

    @bp.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", getattr(g, "lang", DEFAULT_LOCALE))

    @bp.url_value_preprocessor
    def pull_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        lang = (values or {}).pop("lang", DEFAULT_LOCALE)
        if lang not in current_app.config["LANGUAGES"]:
            g.lang = DEFAULT_LOCALE
            abort(404)
        g.lang = lang

    return bp

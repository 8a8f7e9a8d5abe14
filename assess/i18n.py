"""Languages: which locales we ship, text direction, the questionnaire gettext domain, and the Babel
extractor that pulls translatable text out of questionnaire YAML."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import yaml
from babel import Locale
from flask import g, has_request_context
from flask_babel import Domain, lazy_pgettext

from assess.questionnaire import YamlLoader

RTL = frozenset({"ar", "fa", "he", "ur"})
DEFAULT_LOCALE = "en"

QUESTIONNAIRE_DOMAIN = "questionnaire"
_questionnaire_domain: Domain | None = None


def init(translations: Path) -> None:
    global _questionnaire_domain
    _questionnaire_domain = Domain(
        translation_directories=str(translations), domain=QUESTIONNAIRE_DOMAIN
    )


def available(translations: Path) -> dict[str, str]:
    """English plus every locale whose app catalogue is present."""
    found = {
        p.parent.parent.name
        for p in translations.glob("*/LC_MESSAGES/messages.po")
        if p.parent.parent.name in KNOWN
    }
    return {code: name for code, name in KNOWN.items() if code == "en" or code in found}


# Locales in the order the language switcher shows them; English is the source language.
KNOWN: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ar": "العربية",
    "ru": "Русский",
    "zh": "中文",
}


# Citation words, in the order they are matched; translators see them with the context "citation".
_CITATION = re.compile(
    r"\b(?P<word>art\.|arts|paras|para\.|principles|principle|objective|chapter|ch\.|regulation|p\.)"
    r" (?P<n>[0-9IVX][0-9A-Za-z.()\-]*)|\b(?P<bare>annex|commentary)\b|\bQ(?P<q>[0-9]+)\b"
)
_CITATION_WORDS = {
    "art.": lazy_pgettext("citation", "art. %(n)s"),
    "arts": lazy_pgettext("citation", "arts %(n)s"),
    "para.": lazy_pgettext("citation", "para. %(n)s"),
    "paras": lazy_pgettext("citation", "paras %(n)s"),
    "principle": lazy_pgettext("citation", "principle %(n)s"),
    "principles": lazy_pgettext("citation", "principles %(n)s"),
    "objective": lazy_pgettext("citation", "objective %(n)s"),
    "chapter": lazy_pgettext("citation", "chapter %(n)s"),
    "ch.": lazy_pgettext("citation", "ch. %(n)s"),
    "regulation": lazy_pgettext("citation", "regulation %(n)s"),
    "p.": lazy_pgettext("citation", "p. %(n)s"),
    "annex": lazy_pgettext("citation", "annex"),
    "commentary": lazy_pgettext("citation", "commentary"),
    "Q": lazy_pgettext("citation", "Q%(n)s"),
}


def format_citation(ref: str) -> str:
    """'art. 3(a)' -> 'ст. 3(a)' (ru), '第3(a)条' (zh): the words of a reference in the current
    language, the numbers untouched."""
    if not has_request_context():
        return ref

    def one(match: re.Match[str]) -> str:
        if match["word"]:
            return str(_CITATION_WORDS[match["word"]]) % {"n": match["n"]}
        if match["bare"]:
            return str(_CITATION_WORDS[match["bare"]])
        return str(_CITATION_WORDS["Q"]) % {"n": match["q"]}

    return _CITATION.sub(one, ref)


def text_direction(text: str | None, default: str = "ltr") -> str:
    """The direction of a piece of free text, from its first strong character (as `dir="auto"`,
    which WeasyPrint does not implement)."""
    for char in text or "":
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return default


_SOURCE = lazy_pgettext("citation", "%(instrument)s %(reference)s")


def join_citation(instrument: str, reference: str) -> str:
    """'Refugee Convention' + 'art. 33', in the current language's order and spacing."""
    if not reference:
        return instrument
    if not has_request_context():
        return f"{instrument} {reference}"
    return str(_SOURCE) % {"instrument": instrument, "reference": reference}


_LIST_SEPARATOR = lazy_pgettext("list", "; ")


def list_separator() -> str:
    """Between the items of a list of sources or findings: '; ', '؛ ', '；'."""
    return str(_LIST_SEPARATOR) if has_request_context() else "; "


def direction(locale: str) -> str:
    return "rtl" if locale.split("_")[0] in RTL else "ltr"


def current_locale() -> str:
    if has_request_context():
        return str(getattr(g, "lang", DEFAULT_LOCALE))
    return DEFAULT_LOCALE


def validate_locale(code: str) -> None:
    """Fail at start-up on a default locale Babel does not know."""
    Locale.parse(code)


def qt(text: str | None) -> str:
    """Translate questionnaire content (its own gettext domain)."""
    if not text:
        return ""
    if _questionnaire_domain is None or not has_request_context():
        return text
    return str(_questionnaire_domain.gettext(text))


# --- Babel extractor ------------------------------------------------------------------------------

TRANSLATABLE = {
    "title",
    "summary",
    "intro",
    "label",
    "help",
    "risk",
    "text",
    "standard",
    "not_applicable",
    "short",
    "owner",
    "seed",
}
# Lists whose every item is translatable text (the paragraphs of a case and its trainer notes).
TRANSLATABLE_LISTS = {"narrative", "expected", "discussion"}


def extract_questionnaire(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield every translatable string of a questionnaire file, with the JSON pointer of its place
    (which names the question id) as the translator comment. Registered as
    `assess_questionnaire`."""
    root = yaml.compose(fileobj.read().decode("utf-8"), Loader=YamlLoader)
    if root is None:
        return

    def walk(node: yaml.Node, pointer: str) -> Iterator[tuple[int, str | None, str, list[str]]]:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = str(key.value)
                child = f"{pointer}/{name}"
                if isinstance(value, yaml.ScalarNode) and name in TRANSLATABLE and value.value:
                    yield value.start_mark.line + 1, None, str(value.value), [child]
                elif isinstance(value, yaml.SequenceNode) and name in TRANSLATABLE_LISTS:
                    for index, item in enumerate(value.value):
                        if isinstance(item, yaml.ScalarNode) and item.value:
                            line = item.start_mark.line + 1
                            yield line, None, str(item.value), [f"{child}/{index}"]
                else:
                    yield from walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                ident = _id_of(item)
                yield from walk(item, f"{pointer}/{ident if ident else index}")

    yield from walk(root, "")


def _id_of(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "id" and isinstance(value, yaml.ScalarNode):
                return str(value.value)
    return None

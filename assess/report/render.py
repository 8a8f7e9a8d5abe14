"""Render the report model: HTML with Jinja (autoescaped), PDF with WeasyPrint.

WeasyPrint only ever sees our own template, our stylesheet, and `data:` URLs: the URL fetcher
refuses everything else, so user text (always escaped anyway) can never make it read a file or the
network.
"""

from __future__ import annotations

import mimetypes
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import render_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assess.paths import resource
from assess.report.model import ReportModel

PAPERS = {"a4": "A4", "letter": "letter"}
RENDER_TIMEOUT = 60.0  # seconds
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pdf")
_lock = threading.Lock()


class RenderError(RuntimeError):
    """The PDF could not be produced; nothing was changed."""


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Serves `data:` URLs and files inside the app's static folder; refuses everything else."""

    def __init__(self, static: Path):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
        self.static = static.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if parts.scheme == "file" and not parts.netloc:
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(self.static) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        self.refused.append(url)
        raise ValueError(f"refused to fetch {url!r}: reports load nothing from outside the app")


def render_html(report: ReportModel, paper: str = "a4", for_pdf: bool = False) -> str:
    return render_template(
        "report/report.html", report=report, paper=PAPERS.get(paper, "A4"), for_pdf=for_pdf
    )


@cache
def _fonts() -> FontConfiguration:
    return FontConfiguration()


@cache
def _stylesheets(paper: str) -> tuple[CSS, ...]:
    """Built once per process and reused (parsing CSS and loading fonts is the slow part)."""
    static = resource("static")
    fetcher = StaticOnlyFetcher(static)
    base = CSS(filename=str(static / "report.css"), url_fetcher=fetcher, font_config=_fonts())
    size = CSS(string=f"@page {{ size: {PAPERS[paper]}; }}", font_config=_fonts())
    return (base, size)


def render_pdf(
    report: ReportModel, paper: str = "a4", fetcher: StaticOnlyFetcher | None = None
) -> bytes:
    """A tagged PDF/UA-1 with every font embedded. Raises RenderError on failure or time-out."""
    if paper not in PAPERS:
        raise RenderError(f"unknown paper size {paper!r}")
    return _write_pdf(render_html(report, paper, for_pdf=True), paper, fetcher)


def render_document(template: str, context: dict[str, Any], lang: str, paper: str = "a4") -> bytes:
    """Another document in the report's style (the workshop summary), with the same locked-down
    fetcher, fonts and time limit."""
    html = render_template(template, paper=PAPERS[paper], for_pdf=True, lang=lang, **context)
    return _write_pdf(html, paper, None)


def _write_pdf(html: str, paper: str, fetcher: StaticOnlyFetcher | None) -> bytes:
    fetcher = fetcher or StaticOnlyFetcher(resource("static"))
    static = resource("static")

    def work() -> bytes:
        with _lock:  # FontConfiguration is shared; WeasyPrint is not documented as thread-safe
            pdf: bytes = HTML(
                string=html, base_url=static.as_uri() + "/", url_fetcher=fetcher
            ).write_pdf(
                stylesheets=list(_stylesheets(paper)),
                font_config=_fonts(),
                pdf_variant="pdf/ua-1",
            )
            return pdf

    future = _pool.submit(work)
    try:
        return future.result(timeout=RENDER_TIMEOUT)
    except FutureTimeout as exc:
        raise RenderError("the report took too long to render") from exc
    except Exception as exc:
        raise RenderError(f"the report could not be rendered: {exc}") from exc

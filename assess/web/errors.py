"""Error pages in the app's style, never with a stack trace."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from assess import labels
from assess.i18n import DEFAULT_LOCALE
from assess.store import Closed, Locked


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        _language()
        message = _(
            "This form could not be accepted because its security token is missing or has expired. "
            "Nothing was changed: your saved answers are as they were. Go back, reload the page "
            "and try again."
        )
        return _page(400, _("The form could not be accepted"), message), 400

    @app.errorhandler(Closed)
    def workshop_closed(error: Closed) -> tuple[str, int]:
        _language()
        message = _(
            "The trainer has closed this workshop, so answers can no longer be changed. Everything "
            "you saved before is kept: you can still read your summary and your result."
        )
        token = (request.view_args or {}).get("token")
        back = url_for("wizard.summary", token=token) if token else None
        return _page(409, _("The workshop is closed"), message, back), 409

    @app.errorhandler(Locked)
    def locked(error: Locked) -> tuple[str, int]:
        _language()
        if error.status in ("submitted", "under_review"):
            message = _(
                "This version is with its reviewer (%(status)s), so its answers and action plan "
                "cannot change. Everything saved is kept. To change it, withdraw the submission "
                "from the summary page.",
                status=labels.REVIEW_STATUSES[error.status],
            )
        else:
            message = _(
                "This version has been decided (%(status)s) and is frozen as it was signed. "
                "Everything saved is kept. To change anything, start a new version from the "
                "summary page.",
                status=labels.REVIEW_STATUSES[error.status],
            )
        token = (request.view_args or {}).get("token")
        back = url_for("wizard.summary", token=token) if token else None
        return _page(409, _("This version cannot change"), message, back), 409

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        _language()
        code = error.code or 500
        titles = {
            400: (_("Bad request"), _("The request could not be understood. Nothing was changed.")),
            404: (
                _("Page not found"),
                _(
                    "There is no page at this address. If you followed a link to an assessment, "
                    "check that it was copied whole; links are long on purpose."
                ),
            ),
            405: (_("Not allowed"), _("This page cannot be used that way.")),
            413: (
                _("Too large"),
                _("What you sent is larger than this app accepts. Nothing was changed."),
            ),
            429: (
                _("Too many requests"),
                _(
                    "Too many attempts came from your network. Nothing was changed: please wait a "
                    "minute and try again."
                ),
            ),
        }
        title, message = titles.get(code, (_("Error"), _("Something went wrong.")))
        return _page(code, title, message), code

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> tuple[str, int]:
        _language()
        app.logger.exception("unhandled error")
        message = _(
            "Something went wrong on our side. Your answers saved before this page are safe. "
            "Please try again in a moment."
        )
        return _page(500, _("Something went wrong"), message), 500


def _language() -> None:
    """Errors raised before any route matched have no g.lang: take it from the path itself."""
    if not hasattr(g, "lang"):
        first = request.path.strip("/").split("/", 1)[0]
        g.lang = first if first in current_app.config["LANGUAGES"] else DEFAULT_LOCALE
        refresh()  # Flask-Babel may have cached the locale before g.lang was known


def _page(code: int, title: str, message: str, back: str | None = None) -> str:
    return render_template("error.html", code=code, title=title, message=message, back=back)

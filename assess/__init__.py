"""assess: screen a proposed public-private partnership against migrant smuggling."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from assess import i18n
from assess.cases import CaseLibrary
from assess.paths import resource
from assess.questionnaire import Registry
from assess.store import Store

__all__ = ["create_app"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
csrf = CSRFProtect()
# Rate limits: in memory by default (one process each); RATELIMIT_STORAGE_URI (e.g. redis://...)
# shares them between processes and servers.
limiter = Limiter(key_func=get_remote_address)
# Guessing a secret link: every unknown link answered with a 404 counts, per address.
token_guessing = limiter.shared_limit(
    "20 per minute", scope="token-guessing", deduct_when=lambda r: r.status_code == 404
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Configuration comes from `config`, else the environment, else defaults."""
    config = dict(config or {})
    instance = Path(
        config.pop("INSTANCE_PATH", None)
        or os.environ.get("ASSESS_INSTANCE")
        or _default_instance()
    ).resolve()
    app = Flask(
        __name__,
        instance_path=str(instance),
        template_folder=str(resource("templates")),
        static_folder=str(resource("static")),
    )
    instance.mkdir(parents=True, exist_ok=True)
    translations = resource("translations")
    app.config.update(
        DATABASE_URL=os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'assess.db'}",
        QUESTIONNAIRES=os.environ.get("ASSESS_QUESTIONNAIRES") or str(resource("questionnaires")),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("ASSESS_HTTPS") == "1",
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=i18n.DEFAULT_LOCALE,
        BABEL_TRANSLATION_DIRECTORIES=str(translations),
        TRUSTED_PROXIES=int(os.environ.get("ASSESS_TRUSTED_PROXIES", "0")),
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_HEADERS_ENABLED=False,
        # A workshop takes this many participants (groups can share a screen beyond that), and
        # this many joins a minute, so that a leaked code cannot flood it.
        WORKSHOP_MAX_PARTICIPANTS=int(os.environ.get("ASSESS_WORKSHOP_MAX", "250")),
        WORKSHOP_JOIN_RATE=os.environ.get("ASSESS_WORKSHOP_JOIN_RATE", "300 per minute"),
    )
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _instance_secret(instance)
    i18n.validate_locale(app.config["BABEL_DEFAULT_LOCALE"])

    # Load every questionnaire once; an invalid file stops start-up with its problems.
    registry = Registry.from_folder(Path(app.config["QUESTIONNAIRES"]))
    app.extensions["assess.registry"] = registry
    app.extensions["assess.cases"] = CaseLibrary.from_folder(
        Path(app.config["QUESTIONNAIRES"]), registry
    )
    app.extensions["assess.store"] = Store(app.config["DATABASE_URL"])
    app.config["LANGUAGES"] = i18n.available(translations)

    csrf.init_app(app)
    limiter.init_app(app)
    Babel(app, locale_selector=i18n.current_locale)
    i18n.init(translations)
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1, x_host=1
        )

    from assess.web import access, errors, main, partner, report, review, wizard, workshop

    app.register_blueprint(main.bp)
    app.register_blueprint(wizard.bp)
    app.register_blueprint(report.bp)
    app.register_blueprint(access.bp)
    app.register_blueprint(workshop.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(partner.bp)
    errors.register(app)
    main.register_globals(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint and request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _default_instance() -> Path:
    """`instance/` in a source checkout; the current folder's `instance/` for an installed wheel."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "instance"
    return Path.cwd() / "instance"


def _instance_secret(instance: Path) -> str:
    """A secret key generated once and kept in the instance folder, readable by its owner only."""
    path = instance / "secret_key"
    if not path.exists():
        # Write a private temporary file, then link it into place: atomic, and the first writer wins
        # when several workers start at once.
        tmp = instance / f".secret_key.{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()

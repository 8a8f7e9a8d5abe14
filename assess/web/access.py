"""Who can open a screening: the edit link, a separate read-only link, an optional passphrase."""

from __future__ import annotations

import hashlib

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response as BaseResponse

from assess import limiter, token_guessing
from assess.store import Actor, NotFound, Record
from assess.web import localized_blueprint, store
from assess.web.main import remember

bp = localized_blueprint("access")
token_guessing(bp)

MIN_PASSPHRASE = 10
MAX_PASSPHRASE = 200
UNLOCKED = "unlocked"


def _key(record: Record) -> str:
    """Names the passphrase in the session, so that a new passphrase locks everyone out again."""
    return hashlib.sha256((record.passphrase_hash or "").encode()).hexdigest()[:24]


def unlocked(record: Record) -> bool:
    return not record.passphrase_hash or _key(record) in session.get(UNLOCKED, [])


def _remember_unlocked(record: Record) -> None:
    keys = [k for k in session.get(UNLOCKED, []) if k != _key(record)]
    session[UNLOCKED] = [_key(record), *keys][:30]


def gate(record: Record, unlock_url: str) -> None:
    """Stop here, with a redirect to the passphrase page, unless this browser has unlocked it."""
    if not unlocked(record):
        abort(redirect(unlock_url))


def fetch(token: str, by_share: bool = False, link: str = "") -> Record:
    """The screening behind an edit link (or a read-only link, or with link="reviewer" a
    reviewer's link): 404 when there is none, the passphrase page when it is locked for this
    browser."""
    if len(token) > 64:
        abort(404)
    try:
        record = store().get(token, by_share=by_share, link=link)
    except NotFound:
        abort(404)
    if link == "reviewer":
        gate(record, url_for("access.unlock_reviewer", reviewer=token))
    elif link == "partner":
        gate(record, url_for("access.unlock_partner", partner=token))
    elif by_share:
        gate(record, url_for("access.unlock_shared", share=token))
    else:
        gate(record, url_for("access.unlock", token=token))
    return record


def author(record: Record) -> Actor:
    """Whoever holds the edit link, by the name the screening gives its assessor."""
    if record.workshop_id:
        return Actor("participant", record.participant or "")
    return Actor("author", record.assessor)


# --- the owner's page ---------------------------------------------------------------------------


@bp.get("/a/<token>/access")
def page(token: str) -> str:
    record = fetch(token)
    return render_template("access.html", record=record, min_passphrase=MIN_PASSPHRASE)


@bp.post("/a/<token>/access/share")
def share(token: str) -> BaseResponse:
    record = fetch(token)
    enabled = request.form.get("action") == "create"
    if request.form.get("link") == "partner":
        name = request.form.get("partner_name", "").strip()[:200]
        store().set_partner(token, enabled, name, author(record))
        flash(_("A new partner link is ready.") if enabled else _("The partner link is revoked."))
    elif request.form.get("link") == "reviewer":
        store().set_reviewer(token, enabled, author(record))
        flash(_("A new reviewer link is ready.") if enabled else _("The reviewer link is revoked."))
    else:
        store().set_share(token, enabled, author(record))
        flash(
            _("A new read-only link is ready.") if enabled else _("The read-only link is revoked.")
        )
    return redirect(url_for("access.page", token=token))


@bp.post("/a/<token>/access/rotate")
def rotate(token: str) -> BaseResponse:
    """A new edit link; the old one stops working at once."""
    record = store().rotate(token, author(fetch(token)))
    flash(_("The old edit link no longer works. Keep the new one below."))
    response = redirect(url_for("access.page", token=record.token))
    return remember(response, record.token, replacing=token)


@bp.post("/a/<token>/access/passphrase")
def passphrase(token: str) -> BaseResponse | tuple[str, int]:
    record = fetch(token)
    if request.form.get("action") == "remove":
        store().set_passphrase_hash(token, None, author(record))
        flash(_("The passphrase is removed: the links alone open this screening."))
        return redirect(url_for("access.page", token=token))
    phrase = request.form.get("passphrase", "")
    error = None
    if not MIN_PASSPHRASE <= len(phrase) <= MAX_PASSPHRASE:
        error = _(
            "Please choose a passphrase of %(low)d to %(high)d characters.",
            low=MIN_PASSPHRASE,
            high=MAX_PASSPHRASE,
        )
    elif phrase != request.form.get("confirm", ""):
        error = _("The two passphrases differ. Please type the same passphrase twice.")
    if error:
        page = render_template(
            "access.html", record=record, min_passphrase=MIN_PASSPHRASE, passphrase_error=error
        )
        return page, 400
    record = store().set_passphrase_hash(token, generate_password_hash(phrase), author(record))
    _remember_unlocked(record)
    flash(_("The passphrase is set. Share it apart from the link."))
    return redirect(url_for("access.page", token=token))


# --- unlocking ------------------------------------------------------------------------------------


def _unlock(record: Record, target: str) -> BaseResponse | tuple[str, int] | str:
    if request.method == "GET":
        return render_template("unlock.html", error=None)
    if check_password_hash(record.passphrase_hash or "", request.form.get("passphrase", "")):
        _remember_unlocked(record)
        return redirect(target)
    return render_template("unlock.html", error=_("That passphrase is not right.")), 400


@bp.route("/a/<token>/unlock", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def unlock(token: str) -> BaseResponse | tuple[str, int] | str:
    try:
        record = store().get(token)
    except NotFound:
        abort(404)
    return _unlock(record, url_for("wizard.resume", token=token))


@bp.route("/r/<reviewer>/unlock", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def unlock_reviewer(reviewer: str) -> BaseResponse | tuple[str, int] | str:
    try:
        record = store().get(reviewer, link="reviewer")
    except NotFound:
        abort(404)
    return _unlock(record, url_for("review.reviewer_page", reviewer=reviewer))


@bp.route("/p/<partner>/unlock", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def unlock_partner(partner: str) -> BaseResponse | tuple[str, int] | str:
    try:
        record = store().get(partner, link="partner")
    except NotFound:
        abort(404)
    return _unlock(record, url_for("partner.start", partner=partner))


@bp.route("/v/<share>/unlock", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def unlock_shared(share: str) -> BaseResponse | tuple[str, int] | str:
    try:
        record = store().get(share, by_share=True)
    except NotFound:
        abort(404)
    return _unlock(record, url_for("access.shared", share=share))


# --- the read-only view ------------------------------------------------------------------------


@bp.get("/v/<share>/")
def shared(share: str) -> str:
    """Everything, read-only: the report page of the screening."""
    from assess.web.report import report_page

    return report_page(fetch(share, by_share=True), share=share)


@bp.get("/v/<share>/report.pdf")
def shared_pdf(share: str) -> BaseResponse | tuple[str, int]:
    from assess.web.report import paper_size, pdf_response, report_language

    return pdf_response(fetch(share, by_share=True), report_language(), paper_size())

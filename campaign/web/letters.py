"""Letter preview for organizers and translators: any letter, any recipient, any language, as
HTML with the same numbering as the PDF. The signer-facing PDF endpoint lives with signatures.

The preview needs a login with any staff role, or ``PREVIEW_OPEN`` set to true (``make run``
sets it for the local demo); ``preview_allowed()`` is the single gate.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from campaign.app_context import library
from campaign.content.errors import ContentErrors
from campaign.letters import service
from campaign.letters.errors import LetterError, not_found
from campaign.letters.merge import SignerDetails
from campaign.web.admin import recipients_file

bp = Blueprint("letters", __name__, url_prefix="/letters")


@bp.context_processor
def _user():
    # For the staff header (admin/_header.html): who is logged in, to log out.
    from campaign.organizer.access import current_user

    return {"current_user": current_user()}


def preview_allowed() -> bool:
    """Whether the current request may see letter previews. Deny by default: logged-in admins,
    organizers and translators, or everyone when ``PREVIEW_OPEN`` is set (the local demo)."""
    from campaign.organizer.access import EVERY_ROLE, has_role

    return bool(current_app.config.get("PREVIEW_OPEN", False)) or has_role(*EVERY_ROLE)


@bp.before_request
def guard():
    if not preview_allowed():
        from campaign.organizer.access import login_or_forbidden

        return login_or_forbidden()
    return None


def _campaign(slug: str):
    try:
        return library().get(slug)
    except KeyError:
        abort(404)
    except ContentErrors:
        abort(503, _("This campaign's content has errors; run 'campaign check'."))


def _sample_signer(locale: str) -> SignerDetails:
    # Translators: a sample signer's name in the letter preview.
    return SignerDetails(name=_("A. Signer"), country="GB", city="London", postcode="N1 9GU",
                         message=_("This paragraph is written by each signer in their own words."),
                         date=dt.date.today())


@bp.get("/letter.css")
def stylesheet():
    """The print stylesheet, served so the preview needs no inline style (CSP)."""
    path = service.engine().css_path
    response = current_app.response_class(path.read_text(encoding="utf-8"), mimetype="text/css")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<slug>/")
def pick(slug: str):
    """The picker form submits here; send it to the preview's own address."""
    campaign = _campaign(slug)
    recipient = request.args.get("recipient") or next(iter(campaign.recipients), "")
    args = {k: v for k in ("locale", "bilingual") if (v := request.args.get(k))}
    return redirect(url_for("letters.preview", slug=slug, recipient_id=recipient, **args))


@bp.get("/<slug>/<recipient_id>")
def preview(slug: str, recipient_id: str):
    campaign = _campaign(slug)
    engine = service.engine()
    locale = request.args.get("locale") or None
    bilingual = request.args.get("bilingual") or None
    try:
        plan = engine.plan(campaign, recipient_id, locale, bilingual)
        article = engine.article_html(plan, _sample_signer(plan.locale))
        missing = engine.untranslated_strings(campaign, recipient_id, plan.locale)
        if plan.bilingual:
            missing += engine.untranslated_strings(campaign, recipient_id, plan.bilingual)
    except LetterError as exc:
        # A broken catalog or template is the campaign's content, not a page that is not there.
        abort(404 if not_found(exc) else 503, str(exc))
    return render_template(
        "letters/preview.html", campaign=campaign, plan=plan,
        recipients=list(campaign.recipients.values()), recipients_file=recipients_file(campaign),
        letter_html=Markup(article),  # noqa: S704 - rendered in the sandbox, signer text escaped
        missing=missing)

"""Public pages: the campaign list, the petition with its sign form, confirmation, the thank-you
page and the signer's own page (see, download, erase). Complete without JavaScript."""

from __future__ import annotations

from functools import cache
from urllib.parse import quote

from babel import Locale
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_percent, pgettext
from flask_babel import get_locale as get_babel_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import InputRequired

from campaign.app_context import library
from campaign.content.errors import ContentErrors
from campaign.content.model import Campaign
from campaign.extensions import limiter, preferred_language
from campaign.letters.errors import LetterError
from campaign.signatures import service
from campaign.signatures.forms import SignForm
from campaign.signatures.mail import AddressNotSupported, MailError
from campaign.signatures.petition import render_petition
from campaign.storage.base import utcnow

bp = Blueprint("public", __name__)


def _sign_limit() -> str:
    return current_app.config["SIGN_RATE_LIMIT"]


def _confirm_limit() -> str:
    return current_app.config["CONFIRM_RATE_LIMIT"]


def _letter_limit() -> str:
    return current_app.config["LETTER_RATE_LIMIT"]


@bp.url_value_preprocessor
def pull_locale(endpoint, values):
    if values and "locale" in values:
        if values["locale"] not in current_app.config["LANGUAGES"]:
            abort(404)
        g.locale = values["locale"]


@bp.url_defaults
def add_locale(endpoint, values):
    if ("locale" not in values and getattr(g, "locale", None)
            and current_app.url_map.is_endpoint_expecting(endpoint, "locale")):
        values["locale"] = g.locale


@bp.context_processor
def default_languages():
    # Every public page offers the language switcher; pages of a campaign narrow it to the
    # campaign's languages by passing their own ``languages``.
    return {"languages": _languages(None)}


@bp.app_errorhandler(429)
def too_many_requests(error):
    campaign = None
    slug = (request.view_args or {}).get("slug")
    locale = getattr(g, "locale", None)
    if slug and locale:
        try:
            campaign = library().get(slug)
        except (KeyError, ContentErrors):
            campaign = None
    if campaign is not None and request.endpoint == "public.sign":
        # The petition again, with what was typed (a message may be long), to sign once the
        # minute has passed.
        form = SignForm()
        form.set_countries(locale)
        return _petition_page(campaign, locale, form, status=429, notice=_(
            "We received many requests from your network in a short time. Please wait a few "
            "minutes and try again. If you share a network with many people, this may not be "
            "your fault — sorry."))
    # Elsewhere: a page of its own, with a way back to the petition.
    return render_template("public/too_many.html", campaign=campaign), 429


def _counts_toward_sign_limit(response) -> bool:
    """A form sent back with errors is not counted: a person correcting a field should not
    run into the limit, and it wrote nothing and sent no mail. An address the mail server
    refused is counted: it was stored, and a mail server was talked to, before it came back."""
    return response.status_code != 400 or bool(g.get("sign_reached_mail_server"))


def _campaign(slug: str) -> Campaign:
    try:
        return library().get(slug)
    except KeyError:
        abort(404)
    except ContentErrors:
        # Broken since the site started (the library logged why): the campaign exists, so
        # "try again later" rather than "no such page".
        abort(503)


def _base_url() -> str:
    return current_app.config.get("BASE_URL") or request.host_url


def _languages(campaign: Campaign | None) -> tuple[tuple[str, str], ...]:
    """(locale, its name in its own language), for the language switcher."""
    offered = current_app.config["LANGUAGES"]
    return _native_names(tuple(c for c in (campaign.languages if campaign else offered)
                               if c in offered))


@cache
def _native_names(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((code, Locale.parse(code).get_display_name(code)) for code in codes)


def share_links(url: str, text: str) -> list[tuple[str, str]]:
    """Plain links to share a page: no third-party script runs on our pages."""
    u, t = quote(url, safe=""), quote(text, safe="")
    return [
        # Translators: a link that shares the petition by email (short, like "X" beside it).
        (pgettext("share link", "Email"), f"mailto:?subject={t}&body={t}%0A%0A{u}"),
        ("X", f"https://twitter.com/intent/tweet?text={t}&url={u}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("WhatsApp", f"https://wa.me/?text={t}%20{u}"),
        ("Telegram", f"https://t.me/share/url?url={u}&text={t}"),
        ("LINE", f"https://social-plugins.line.me/lineit/share?url={u}"),
    ]


def _country_names(locale: str) -> dict[str, str]:
    return dict(Locale.parse(locale).territories)


def _delivery_summary(slug: str):
    # Filled by the organizer area when it registers a provider; absent, the block is not shown.
    provider = current_app.extensions.get("campaign.delivery_summary")
    return provider(slug) if provider else None


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico whatever the page says; without this route the address
    # would be taken for a language ("/<locale>/") and end in a redirect and a 404.
    return redirect(url_for("static", filename="img/favicon.svg"), 301)


@bp.get("/")
def root():
    best = preferred_language(request.accept_languages.values(),
                              current_app.config["LANGUAGES"])
    return redirect(url_for("public.campaigns", locale=best), 302)


@bp.get("/<locale>/")
def campaigns(locale: str):
    found = library().all()
    counts = {c.slug: service.count(c.slug).count for c in found}
    today = utcnow().date()
    return render_template("public/index.html", campaigns=found, counts=counts,
                           states={c.slug: c.state(today) for c in found},
                           languages=_languages(None))


def _percent(share: float) -> str:
    """The share of the goal as the language writes a percentage ("12.3%", "12,3 %"), with a
    decimal at most, as the page's script writes it when the count moves."""
    pattern = get_babel_locale().percent_formats[None].pattern
    return format_percent(share, pattern.replace("0", "0.#", 1))


def _petition_page(campaign: Campaign, locale: str, form: SignForm, status: int = 200,
                   notice: str = ""):
    petition = render_petition(campaign, locale, current_app.config["LOCALES_DIR"])
    count = service.count(campaign.slug)
    url = url_for("public.petition", locale=locale, slug=campaign.slug, _external=True)
    goal = max(campaign.goal, 1)
    return render_template(
        "public/petition.html",
        campaign=campaign, petition=petition, form=form, count=count,
        percent=_percent(min(1.0, count.count / goal)),
        chart=_chart(count.by_country, _country_names(locale)),
        recent=service.recent_signers(campaign.slug),
        country_names=_country_names(locale),
        languages=_languages(campaign),
        share=share_links(url, campaign.title),
        delivery_summary=_delivery_summary(campaign.slug),
        state=campaign.state(utcnow().date()),
        retention_days=campaign.retention_days,
        notice=notice,
    ), status


def _chart(by_country: dict[str, int], names: dict[str, str], top: int = 10) -> dict:
    """Geometry of a horizontal bar chart of the top countries, drawn with SVG attributes (the
    Content-Security-Policy allows no inline style). Units are a 600-wide canvas that scales
    evenly: a label column, the bars, then the number."""
    rows = list(by_country.items())[:top]
    biggest = max((n for _, n in rows), default=1)
    bar_height, gap, label_width, bar_space = 22, 10, 190, 330
    bars = [
        {"code": code, "name": names.get(code, code), "count": n,
         "y": i * (bar_height + gap), "width": max(2.0, n * bar_space / biggest)}
        for i, (code, n) in enumerate(rows)
    ]
    return {"bars": bars, "height": max(1, len(bars) * (bar_height + gap) - gap),
            "bar_height": bar_height, "label_width": label_width, "width": 600}


@bp.get("/<locale>/c/<slug>/")
def petition(locale: str, slug: str):
    campaign = _campaign(slug)
    form = SignForm()
    form.set_countries(locale)
    return _petition_page(campaign, locale, form)


@bp.post("/<locale>/c/<slug>/")
@limiter.limit(_sign_limit, deduct_when=_counts_toward_sign_limit)
def sign(locale: str, slug: str):
    campaign = _campaign(slug)
    form = SignForm()
    form.set_countries(locale)
    if form.is_bot():
        # Dropped silently: the bot sees what a person would, and learns nothing.
        return redirect(url_for("public.check_email", locale=locale, slug=slug), 303)
    if not form.validate():
        return _petition_page(campaign, locale, form, status=400)
    try:
        service.sign(campaign, form.signer(), locale=locale, base_url=_base_url())
    except service.CampaignClosed:
        if campaign.state(utcnow().date()) == "upcoming":
            return render_template("public/message.html", campaign=campaign,
                                   heading=_("This petition is not open yet"),
                                   text=_("It opens for signatures on %(date)s.",
                                          date=format_date(campaign.opens, "long"))), 409
        return render_template("public/message.html", campaign=campaign,
                               heading=_("This petition is closed"),
                               text=_("It no longer accepts signatures. Thank you for your "
                                      "support.")), 409
    except AddressNotSupported:
        g.sign_reached_mail_server = True
        form.email.errors.append(_(
            "Our mail server cannot deliver to an address with characters other than Latin "
            "letters before the @. Please use another email address."))
        return _petition_page(campaign, locale, form, status=400)
    except MailError:
        current_app.logger.exception("confirmation mail failed")
        return render_template("public/message.html", campaign=campaign,
                               heading=_("We could not send the email"),
                               text=_("Please try again in a few minutes.")), 503
    return redirect(url_for("public.check_email", locale=locale, slug=slug), 303)


def form_again(endpoint: str | None, args: dict):
    """The page of a public form sent without a valid security token (its session cookie was
    dropped or expired), ready to send again, or None for other forms. The petition is shown
    with what was typed; the confirm and erase pages are opened again."""
    locale = args.get("locale")
    if locale not in current_app.config["LANGUAGES"]:
        return None
    if endpoint == "public.sign":
        campaign = _campaign(args["slug"])
        form = SignForm()
        form.set_countries(locale)
        # Shown beside the form (which the page's script scrolls to), not at the top.
        return _petition_page(campaign, locale, form, status=400, notice=_(
            "Nothing was sent yet: the page had been open a long time. Please check your "
            "details and press Sign again."))
    if endpoint in ("public.confirm", "public.erase"):
        flash(_("Nothing was sent yet: the page had been open a long time. Please press the "
                "button again."), "info")
        page = "public.confirm_page" if endpoint == "public.confirm" else "public.my_signature"
        return redirect(url_for(page, locale=locale, token=args["token"]), 303)
    return None


@bp.get("/<locale>/c/<slug>/check-your-email")
def check_email(locale: str, slug: str):
    campaign = _campaign(slug)
    return render_template("public/check_email.html", campaign=campaign,
                           languages=_languages(campaign))


class ConfirmForm(FlaskForm):
    """Only a POST confirms: mail scanners that fetch every link must not sign for anyone."""


class EraseForm(FlaskForm):
    really = BooleanField(_l("Yes, erase my name, email address, city, postcode and message"),
                          validators=[InputRequired(message=_l("Please tick the box to erase "
                                                                "your data."))])


def _invalid_link(status: int = 404, expired: bool = False):
    text = (_("This confirmation link has expired. Please sign again: you will get a new link.")
            if expired else _("This link is not valid. It may have been used to erase a "
                              "signature, or copied incompletely."))
    return render_template("public/message.html", campaign=None,
                           heading=_("Link not valid"), text=text), status


@bp.get("/<locale>/confirm/<token>")
def confirm_page(locale: str, token: str):
    try:
        signature = service.pending_signature(token)
    except service.ExpiredToken:
        return _invalid_link(410, expired=True)
    except service.InvalidToken:
        return _invalid_link()
    campaign = _campaign(signature.campaign_slug)
    return render_template("public/confirm.html", campaign=campaign, signature=signature,
                           form=ConfirmForm(), token=token, country_names=_country_names(locale))


@bp.post("/<locale>/confirm/<token>")
@limiter.limit(_confirm_limit)
def confirm(locale: str, token: str):
    if not ConfirmForm().validate():
        abort(400)
    try:
        result = service.confirm(library().get, token)
    except service.ExpiredToken:
        return _invalid_link(410, expired=True)
    except service.InvalidToken:
        return _invalid_link()
    return redirect(url_for("public.thanks", locale=locale,
                            token=result.signature.privacy_token), 303)


def _my(token: str):
    try:
        signature = service.my_signature(token)
    except service.InvalidToken:
        return None, None
    return signature, _campaign(signature.campaign_slug)


@bp.get("/<locale>/my/<token>/thanks")
def thanks(locale: str, token: str):
    signature, campaign = _my(token)
    if signature is None:
        return _invalid_link()
    url = url_for("public.petition", locale=locale, slug=campaign.slug, _external=True)
    recipient = _signers_recipient(signature, campaign)
    return render_template("public/thanks.html", campaign=campaign, signature=signature,
                           token=token, recipient=recipient, share=share_links(url,
                                                                               campaign.title),
                           count=service.count(campaign.slug))


def _signers_recipient(signature, campaign: Campaign):
    """The recipient of a signer's letter, named in the page's language."""
    recipient = campaign.recipients.get(signature.recipient_id) \
        or campaign.default_recipient_for(signature.country)
    return recipient.in_language(pgettext)


@bp.get("/<locale>/my/<token>")
def my_signature(locale: str, token: str):
    signature, campaign = _my(token)
    if signature is None:
        return _invalid_link()
    recipient = _signers_recipient(signature, campaign)
    return render_template("public/my.html", campaign=campaign, signature=signature, token=token,
                           recipient=recipient, form=EraseForm(),
                           country_names=_country_names(locale))


@bp.get("/<locale>/my/<token>/letter.pdf")
@limiter.limit(_letter_limit)
def letter(locale: str, token: str):
    signature, campaign = _my(token)
    if signature is None:
        return _invalid_link()
    try:
        pdf, filename = service.letter_pdf(token, campaign)
    except LetterError:
        current_app.logger.exception("the personal letter could not be rendered")
        return render_template("public/message.html", campaign=campaign,
                               heading=_("Your letter cannot be prepared right now"),
                               text=_("Please try again later with the link in our email. "
                                      "Your signature is safe.")), 503
    except service.InvalidToken:
        return render_template("public/message.html", campaign=campaign,
                               heading=_("Please confirm your signature first"),
                               text=_("Your letter is ready once you have confirmed your "
                                      "signature with the link in our email.")), 409
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<locale>/my/<token>/erase")
@limiter.limit(_confirm_limit)
def erase(locale: str, token: str):
    signature, campaign = _my(token)
    if signature is None:
        return _invalid_link()
    form = EraseForm()
    if not form.validate():
        recipient = _signers_recipient(signature, campaign)
        return render_template("public/my.html", campaign=campaign, signature=signature,
                               token=token, recipient=recipient, form=form,
                               country_names=_country_names(locale)), 400
    try:
        service.erase(token)
    except service.InvalidToken:
        return _invalid_link()
    return render_template("public/message.html", campaign=campaign,
                           heading=_("Your data has been erased"),
                           text=_("Your name, email address, city, postcode and message are "
                                  "gone. Your signature no longer counts. Thank you for your "
                                  "support."))

"""Use-cases of signing: sign, confirm, read the count, erase, anonymise.

Decisions worth knowing:

- **One signature per person per campaign** is enforced by the unique key
  ``(campaign_slug, email_key)``: ``sign`` inserts and catches ``IntegrityError``; it never checks
  first, so two concurrent requests cannot both insert.
- **Signing again** while pending re-sends a confirmation for the *same* signature (the details
  first given are kept, and earlier links stay valid: a person may click whichever mail arrives);
  once confirmed it sends an "already signed" mail carrying the privacy link. The caller gets the
  same result in every case, so a page never reveals whether an address has signed.
- **Counts are of confirmed signatures.** ``confirm`` moves pending → confirmed with
  ``UPDATE … WHERE status = 'pending'`` and bumps the counters only when that changed a row, in the
  same transaction: confirming twice counts once. Erasing a confirmed signature takes it out of the
  counts (same transaction); anonymising keeps it counted (country and date stay).
- **Tokens** are itsdangerous signatures over ``[signature id, token_version]`` with a salt per
  purpose: a confirmation link expires after ``CONFIRMATION_MAX_AGE``; the privacy link does not
  expire (it is how a person erases their data, months later). Bumping ``token_version`` revokes
  both.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import current_app
from flask_babel import force_locale, get_translations, gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import Connection, String, bindparam, cast, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaign import jobs
from campaign.app_context import database
from campaign.content.model import Campaign
from campaign.signatures import mail as mailer
from campaign.signatures.models import (
    CONFIRMED,
    ERASED,
    ONLINE,
    PENDING,
    CampaignCounter,
    CountryCounter,
    Milestone,
    Signature,
)
from campaign.signatures.rules import SignerInput
from campaign.storage import audit
from campaign.storage.base import utcnow

log = logging.getLogger(__name__)

CONFIRM_SALT = "signature-confirm"
PRIVACY_SALT = "signature-privacy"
MILESTONES = (25, 50, 75, 100)


class SignatureError(Exception):
    """Base of this area's domain errors."""


class InvalidToken(SignatureError):
    """The link is not one we issued, or it was revoked."""


class ExpiredToken(InvalidToken):
    """The confirmation link is older than ``CONFIRMATION_MAX_AGE``."""


class CampaignClosed(SignatureError):
    """The campaign does not accept signatures today."""


class RetentionNotOver(SignatureError):
    """Anonymising was asked for before the campaign's retention period ended."""

    def __init__(self, until: dt.date):
        super().__init__(f"the retention period ends on {until.isoformat()}")
        self.until = until


class CampaignNotClosed(SignatureError):
    """Anonymising was asked for before the campaign closed. Anonymising frees each signer's
    email key, so while the campaign is open the same people could sign and be counted again."""

    def __init__(self, closes: dt.date):
        super().__init__(f"the campaign does not close until {closes.isoformat()}")
        self.closes = closes


# --- tokens -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def _serializer_for(secret_key: str | bytes, salt: str) -> URLSafeTimedSerializer:
    return _TokenSerializer(secret_key, salt=salt)


class _TokenSerializer(URLSafeTimedSerializer):
    """Tokens of two small integers: itsdangerous tries zlib on every payload, and compressing
    ``[id, version]`` never makes it shorter. Compressed tokens (marked by a leading ".") are
    still read."""

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(want_bytes(self.serializer.dumps(obj, **self.serializer_kwargs)))


def _serializer(salt: str) -> URLSafeTimedSerializer:
    # Built once per key and purpose (it holds no personal data): two tokens go into every
    # confirmation mail, and building the serializer costs as much as signing with it.
    return _serializer_for(current_app.config["SECRET_KEY"], salt)


class _Tokened(Protocol):
    id: int
    token_version: int


def confirmation_token(signature: _Tokened) -> str:
    return _serializer(CONFIRM_SALT).dumps([signature.id, signature.token_version])


def privacy_token(signature: _Tokened) -> str:
    return _serializer(PRIVACY_SALT).dumps([signature.id, signature.token_version])


def _read_token(token: str, salt: str, max_age: int | None) -> tuple[int, int]:
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ExpiredToken("the link has expired") from exc
    except BadSignature as exc:
        raise InvalidToken("the link is not valid") from exc
    if (not isinstance(payload, list) or len(payload) != 2
            or not all(isinstance(v, int) for v in payload)):
        raise InvalidToken("the link is not valid")
    return payload[0], payload[1]


def _signature_for(session: Session, token: str, salt: str, max_age: int | None) -> Signature:
    signature_id, version = _read_token(token, salt, max_age)
    signature = session.get(Signature, signature_id)
    if signature is None or signature.token_version != version or signature.status == ERASED:
        raise InvalidToken("the link is not valid")
    return signature


# --- what the pages show ------------------------------------------------------------------------

@dataclass(frozen=True)
class SignatureView:
    """A signature as shown to its signer (plain data, no ORM object leaves this module)."""

    id: int
    campaign_slug: str
    status: str
    name: str
    email: str
    country: str
    city: str
    postcode: str
    message: str
    show_name: bool
    updates: bool
    locale: str
    recipient_id: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    privacy_token: str


def _view(signature: Signature) -> SignatureView:
    return SignatureView(
        id=signature.id, campaign_slug=signature.campaign_slug, status=signature.status,
        name=signature.name, email=signature.email or "", country=signature.country,
        city=signature.city, postcode=signature.postcode, message=signature.message,
        show_name=signature.show_name, updates=signature.updates, locale=signature.locale,
        recipient_id=signature.recipient_id, created_at=signature.created_at,
        confirmed_at=signature.confirmed_at, privacy_token=privacy_token(signature),
    )


@dataclass(frozen=True)
class Count:
    count: int
    by_country: dict[str, int]
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class RecentSigner:
    name: str
    country: str
    confirmed_at: dt.datetime


# --- mail ---------------------------------------------------------------------------------------

def _link(base_url: str, locale: str, kind: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/{locale}/{kind}/{token}"


@dataclass(frozen=True)
class _Addressee:
    """What a mail needs of a signature: the row just inserted, without building an ORM object
    for it."""

    id: int
    token_version: int
    name: str
    email: str | None
    locale: str


def _mail_gettext(translations: Any) -> Callable[..., str]:
    """``gettext`` for the mail templates, bound to the signer's catalog: Flask-Babel's own
    looks the catalog up again for each of a mail's dozen strings. Same contract as Jinja's
    new-style gettext (always %-formatted; Markup when the template autoescapes)."""

    @pass_context
    def mail_gettext(__context, __string: str, **variables: Any) -> str:
        text = translations.ugettext(__string)
        if __context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 (our catalog, as Jinja's own gettext does)
        return text % variables

    return mail_gettext


# A mail differs between signers of a campaign in one language only by the signer's name and
# links: it is rendered once with placeholders, which are then filled in (rendering took ~10% of
# a sign request). Placeholders are control characters, which no name contains (the rules
# refuse them) and which HTML escaping leaves as they are.
_PERSONAL = ("name", "confirm_link", "privacy_link")
_PLACEHOLDER = re.compile("\x00(" + "|".join(_PERSONAL) + ")\x00")
_skeletons: dict[tuple, tuple[tuple, str]] = {}


def _personal_mail(name: str, context: dict[str, Any], translations: Any) -> str:
    """The mail template ``name`` rendered with ``context``, whose only per-signer values are
    ``_PERSONAL``."""
    # Straight from the app's Jinja environment: ``render_template`` would also run the page
    # context processors (language switcher, page direction), which a mail does not use.
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(name)
    campaign = context["campaign"]
    # Identities are compared, not only their ids: a reloaded campaign, catalog or template
    # (all kept alive by the entry) gives a fresh rendering.
    owners = (template, campaign, translations)
    key = (name, context["locale"], context["max_age_days"], *map(id, owners),
           *(k in context for k in _PERSONAL))
    cached = _skeletons.get(key)
    if cached is None or any(a is not b for a, b in zip(cached[0], owners, strict=True)):
        if len(_skeletons) > 256:
            _skeletons.clear()
        skeleton = template.render({**context, **{k: f"\x00{k}\x00" for k in _PERSONAL
                                                  if k in context}})
        cached = _skeletons[key] = (owners, skeleton)
    quote = escape if app.select_jinja_autoescape(name) else str
    return _PLACEHOLDER.sub(lambda m: str(quote(context[m.group(1)])), cached[1])


def _send(template: str, signature: Signature | _Addressee, campaign: Campaign,
          subject: Callable[[], str], **links: str) -> None:
    config = current_app.config
    with force_locale(signature.locale):
        translations = get_translations()
        context: dict[str, Any] = {
            "campaign": campaign, "name": signature.name, "locale": signature.locale,
            "max_age_days": max(1, int(config["CONFIRMATION_MAX_AGE"]) // 86400), **links,
            "gettext": _mail_gettext(translations),
        }
        message = mailer.Mail(
            to=signature.email or "",
            subject=subject(),
            text=_personal_mail(f"email/{template}.txt", context, translations),
            html=_personal_mail(f"email/{template}.html", context, translations),
            link=links.get("confirm_link") or links.get("privacy_link", ""),
        )
    mailer.send(message, smtp_url=config["SMTP_URL"], outbox_dir=config["OUTBOX_DIR"],
                sender=config["MAIL_FROM"])


def _send_confirmation(signature: Signature | _Addressee, campaign: Campaign, base_url: str) -> None:
    _send("confirm", signature, campaign,
          # Translators: subject of the email asking a signer to confirm; %(title)s is the petition.
          lambda: gettext("Please confirm your signature: %(title)s",
                          title=gettext(campaign.title)),
          confirm_link=_link(base_url, signature.locale, "confirm", confirmation_token(signature)),
          privacy_link=_link(base_url, signature.locale, "my", privacy_token(signature)))


def _send_already_signed(signature: _Addressee, campaign: Campaign, base_url: str) -> None:
    _send("already_signed", signature, campaign,
          # Translators: subject of the email to someone who tried to sign a second time.
          lambda: gettext("You have already signed: %(title)s",
                          title=gettext(campaign.title)),
          privacy_link=_link(base_url, signature.locale, "my", privacy_token(signature)))


# --- counters -----------------------------------------------------------------------------------

def _connection(session: Session | Connection) -> Connection:
    # The counters move in the caller's transaction, an ORM session's or (on the hot path of
    # signing, where the session's bookkeeping cost more than its statements) a connection's.
    return session.connection() if isinstance(session, Session) else session


def _insert(session: Session | Connection, table: Any):
    """``INSERT … ON CONFLICT DO NOTHING`` in the session's dialect: safe when two transactions
    create the same counter row at once."""
    dialect = _connection(session).dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def _ensure_counters(session: Session | Connection, slug: str, country: str) -> None:
    now = utcnow()
    session.execute(_insert(session, CampaignCounter).values(
        campaign_slug=slug, confirmed=0, pending=0, updated_at=now).on_conflict_do_nothing())
    if country:
        session.execute(_insert(session, CountryCounter).values(
            campaign_slug=slug, country=country, confirmed=0).on_conflict_do_nothing())


# The hot statements are built once, on the tables (Core), with bound parameters: an ORM-enabled
# UPDATE first looks for matching objects in the session, and a statement built with its values
# inline is re-analysed on every call; either costs more than running the statement.
_campaign_counters = CampaignCounter.__table__
_country_counters = CountryCounter.__table__
_signatures = Signature.__table__
_INSERT_SIGNATURE = insert(_signatures).returning(_signatures.c.id)
_BUMP_CAMPAIGN = (
    update(_campaign_counters)
    .where(_campaign_counters.c.campaign_slug == bindparam("b_slug"))
    .values(confirmed=_campaign_counters.c.confirmed + bindparam("b_confirmed"),
            pending=_campaign_counters.c.pending + bindparam("b_pending"),
            updated_at=bindparam("b_now"))
    .returning(_campaign_counters.c.confirmed)
)
_BUMP_COUNTRY = (
    update(_country_counters)
    .where(_country_counters.c.campaign_slug == bindparam("b_slug"),
           _country_counters.c.country == bindparam("b_country"))
    .values(confirmed=_country_counters.c.confirmed + bindparam("b_confirmed"))
)
_CONFIRM = (
    update(_signatures)
    .where(_signatures.c.id == bindparam("b_id"),
           _signatures.c.token_version == bindparam("b_version"),
           _signatures.c.status == PENDING)
    .values(status=CONFIRMED, confirmed_at=bindparam("b_now"))
)


def _bump_campaign(session: Session | Connection, slug: str, confirmed: int,
                   pending: int) -> int | None:
    return _connection(session).execute(_BUMP_CAMPAIGN, {
        "b_slug": slug, "b_confirmed": confirmed, "b_pending": pending, "b_now": utcnow(),
    }).scalar_one_or_none()


def _bump_country(session: Session | Connection, slug: str, country: str,
                  confirmed: int) -> int:
    return _connection(session).execute(_BUMP_COUNTRY, {
        "b_slug": slug, "b_country": country, "b_confirmed": confirmed}).rowcount


def add_to_counters(session: Session | Connection, slug: str, country: str, *, confirmed: int = 0,
                    pending: int = 0) -> int:
    """Moves the counters by the given amounts in the caller's transaction, with atomic
    ``SET n = n + k`` updates; returns the campaign's confirmed count afterwards. The paper
    import uses this too.

    The update comes first (the rows exist after the first signature); only when a row is
    missing is it created with ``INSERT … ON CONFLICT DO NOTHING``, which is safe when two
    transactions create it at once, and the update repeated."""
    total = _bump_campaign(session, slug, confirmed, pending)
    country_done = not (confirmed and country) or _bump_country(session, slug, country,
                                                                confirmed) == 1
    if total is None or not country_done:
        _ensure_counters(session, slug, country)
        if total is None:
            total = _bump_campaign(session, slug, confirmed, pending)
        if not country_done:
            _bump_country(session, slug, country, confirmed)
    return int(total or 0)


def _record_milestones(session: Session, campaign: Campaign, count: int) -> None:
    """A milestone is reached when the count first equals its threshold; the insert is ignored if
    it was reached before (e.g. after erasures took the count below and back)."""
    for percent in MILESTONES:
        if count == math.ceil(campaign.goal * percent / 100):
            session.execute(_insert(session, Milestone).values(
                campaign_slug=campaign.slug, percent=percent, reached_at=utcnow(), count=count,
            ).on_conflict_do_nothing())


# --- use-cases ----------------------------------------------------------------------------------

def sign(campaign: Campaign, signer: SignerInput, *, locale: str, base_url: str,
         today: dt.date | None = None) -> None:
    """Stores a pending signature and mails a confirmation link; for an address that has
    already signed, mails a fresh confirmation (pending) or an "already signed" note (confirmed).
    Returns nothing: the caller must not be able to tell the cases apart."""
    if not campaign.is_open(today or utcnow().date()):
        raise CampaignClosed(campaign.slug)
    recipient = campaign.default_recipient_for(signer.country)
    values = dict(
        campaign_slug=campaign.slug, status=PENDING, source=ONLINE, email=signer.email,
        email_key=signer.email_key, name=signer.name, country=signer.country,
        city=signer.city, postcode=signer.postcode, message=signer.message,
        show_name=signer.show_name, updates=signer.updates, locale=locale,
        recipient_id=recipient.id, token_version=1, created_at=utcnow(),
    )
    db = database()
    try:
        # The connection is taken from the pool before waiting for the turn to write, so
        # that the turn lasts only as long as the transaction.
        with db.engine.connect() as connection, db.writer(), connection.begin():
            # A Core insert on a plain connection: the ORM's unit of work, and even an ORM
            # session, cost more than the rest of the transaction on this hottest write.
            signature_id = connection.execute(_INSERT_SIGNATURE, values).scalar_one()
            signature = _Addressee(id=signature_id, token_version=1, name=signer.name,
                                   email=signer.email, locale=locale)
            add_to_counters(connection, campaign.slug, signer.country, pending=1)
        try:
            _send_confirmation(signature, campaign, base_url)
        except mailer.AddressNotSupported:
            # No confirmation can ever reach this address: the signature would stay pending
            # for good. It is taken back, and the signer asked for another address.
            _withdraw(signature_id, campaign.slug)
            raise
        return
    except IntegrityError:
        pass  # this address has signed (or is signing) already
    with db.session() as session:
        existing = session.execute(select(Signature).where(
            Signature.campaign_slug == campaign.slug, Signature.email_key == signer.email_key,
        )).scalar_one_or_none()
    if existing is None:  # erased between the two statements: nothing to tell anyone
        return
    if existing.status == PENDING:
        # Signing again before confirming corrects what was typed (a misspelt name, another
        # country): the pending signature takes the new details, which the mail shows.
        # Past the address's mail limit nothing changes: details that no mail shows must not
        # replace the ones the mailed links confirm, nor void those links.
        if not _may_mail_again(signer.email_key):
            return
        version = _update_pending(existing.id, existing.token_version, campaign, signer, locale)
        if version is None:  # confirmed or changed meanwhile: its own links stand
            return
        _send_confirmation(_Addressee(id=existing.id, token_version=version, name=signer.name,
                                      email=existing.email, locale=locale), campaign, base_url)
    elif existing.status == CONFIRMED and _may_mail_again(signer.email_key):
        # Told in the language of the page they signed on this time, which they read now.
        _send_already_signed(_Addressee(id=existing.id, token_version=existing.token_version,
                                        name=existing.name, email=existing.email,
                                        locale=locale), campaign, base_url)


def _may_mail_again(email_key: str) -> bool:
    """Whether an address that has signed already may be mailed again (a confirmation sent
    anew, "you have already signed"): anyone can type an address into the sign form, and the
    limit per visitor's IP address would still let a few of them fill someone's mailbox. The
    page says the same either way."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True) or not config.get("ADDRESS_MAIL_LIMIT"):
        return True
    from limits import parse_many

    from campaign.extensions import limiter

    key = hashlib.sha256(email_key.encode("utf-8")).hexdigest()[:32]
    return all(limiter.limiter.hit(item, "address-mail", key)
               for item in parse_many(config["ADDRESS_MAIL_LIMIT"]))


def _withdraw(signature_id: int, slug: str) -> None:
    """Deletes a pending signature whose confirmation could not be sent, and uncounts it."""
    db = database()
    with db.engine.connect() as connection, db.writer(), connection.begin():
        deleted = connection.execute(_signatures.delete().where(
            _signatures.c.id == signature_id, _signatures.c.status == PENDING)).rowcount
        if deleted:
            add_to_counters(connection, slug, "", pending=-1)


def _update_pending(signature_id: int, version: int, campaign: Campaign, signer: SignerInput,
                    locale: str) -> int | None:
    """Gives a still pending signature the details of a new sign form, and its token version
    after; None if it is no longer pending. Anyone may type someone's address into the form: the
    links already mailed stop working, so that only the mail that shows these details confirms
    them."""
    recipient = campaign.default_recipient_for(signer.country)
    db = database()
    # Only the campaign's pending total is counted, and per country only confirmed signatures:
    # no counter moves until the signature is confirmed.
    with db.engine.connect() as connection, db.writer(), connection.begin():
        changed = connection.execute(
            update(_signatures)
            .where(_signatures.c.id == signature_id, _signatures.c.status == PENDING,
                   _signatures.c.token_version == version)
            .values(name=signer.name, country=signer.country, city=signer.city,
                    postcode=signer.postcode, message=signer.message,
                    show_name=signer.show_name, updates=signer.updates, locale=locale,
                    recipient_id=recipient.id, token_version=version + 1)).rowcount
        return version + 1 if changed == 1 else None


def pending_signature(token: str) -> SignatureView:
    """The signature a confirmation link points to (for the page with the confirm button)."""
    with database().session() as session:
        return _view(_signature_for(session, token, CONFIRM_SALT,
                                    int(current_app.config["CONFIRMATION_MAX_AGE"])))


@dataclass(frozen=True)
class Confirmation:
    signature: SignatureView
    newly_confirmed: bool


def confirm(campaign_for: Any, token: str) -> Confirmation:
    """Marks the signature confirmed and counts it, in one transaction; a second confirmation
    changes nothing. ``campaign_for(slug)`` returns the ``Campaign`` (for the goal)."""
    max_age = int(current_app.config["CONFIRMATION_MAX_AGE"])
    signature_id, version = _read_token(token, CONFIRM_SALT, max_age)
    db = database()
    with db.writer(), db.session() as session:
        # The write comes first: on SQLite the transaction takes the write lock at once (a read
        # followed by a write could fail when another writer commits in between).
        changed = session.connection().execute(_CONFIRM, {
            "b_id": signature_id, "b_version": version, "b_now": utcnow()}).rowcount
        signature = session.get(Signature, signature_id)
        if signature is None or signature.token_version != version \
                or signature.status == ERASED:
            raise InvalidToken("the link is not valid")
        if changed == 1:
            total = add_to_counters(session, signature.campaign_slug, signature.country,
                                    confirmed=1, pending=-1)
            _record_milestones(session, campaign_for(signature.campaign_slug), total)
        return Confirmation(_view(signature), newly_confirmed=changed == 1)


def my_signature(token: str) -> SignatureView:
    """The signature a privacy link points to; the link does not expire."""
    with database().session() as session:
        return _view(_signature_for(session, token, PRIVACY_SALT, None))


def erase(token: str) -> str:
    """Removes the signer's personal data; a confirmed signature stops counting. Returns the
    campaign slug. The audit log records the erasure without personal data."""
    with database().session() as session:
        signature = _signature_for(session, token, PRIVACY_SALT, None)
        return _erase(session, signature, actor="signer")


def erase_by_id(signature_id: int, actor: str) -> bool:
    """Erasure on an organiser's request (e.g. a person who lost the link wrote in)."""
    with database().session() as session:
        signature = session.get(Signature, signature_id)
        if signature is None or signature.status == ERASED:
            return False
        _erase(session, signature, actor=actor)
        return True


def _erase(session: Session, signature: Signature, actor: str) -> str:
    previous = signature.status
    # Only the transaction that moves the row out of its status adjusts the counters.
    changed = session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.status == previous)
        .values(status=ERASED, erased_at=utcnow(), name="", email=None,
                email_key=f"erased:{signature.id}", city="", postcode="", message="",
                show_name=False, updates=False, token_version=Signature.token_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed == 1:
        if previous == CONFIRMED:
            add_to_counters(session, signature.campaign_slug, signature.country, confirmed=-1)
        elif previous == PENDING:
            add_to_counters(session, signature.campaign_slug, signature.country, pending=-1)
        audit.record(session, "signature.erased", campaign_slug=signature.campaign_slug,
                     actor=actor, signature_id=signature.id, previous_status=previous)
    return signature.campaign_slug


def count(slug: str) -> Count:
    """The public count: two small reads of the counters, never a ``COUNT(*)``."""
    with database().session() as session:
        counter = session.get(CampaignCounter, slug)
        rows = session.execute(
            select(CountryCounter.country, CountryCounter.confirmed)
            .where(CountryCounter.campaign_slug == slug, CountryCounter.confirmed > 0)
            .order_by(CountryCounter.confirmed.desc(), CountryCounter.country)
        ).all()
    return Count(
        count=counter.confirmed if counter else 0,
        by_country={country: n for country, n in rows},
        updated_at=counter.updated_at if counter else None,
    )


def recent_signers(slug: str, limit: int = 10) -> list[RecentSigner]:
    """The latest confirmed signers who chose to show their name, online. Ordered by id (signing
    order), which walks the primary key backwards instead of sorting every confirmed row. Paper
    signers are left out: their consent is to be named to the recipients, their time of
    signing is a day without an hour, and an import would fill the list at once."""
    with database().session() as session:
        rows = session.execute(
            select(Signature.name, Signature.country, Signature.confirmed_at)
            .where(Signature.campaign_slug == slug, Signature.status == CONFIRMED,
                   Signature.show_name.is_(True), Signature.anonymized_at.is_(None),
                   Signature.source == ONLINE)
            .order_by(Signature.id.desc())
            .limit(limit)
        ).all()
    return [RecentSigner(name, country, at) for name, country, at in rows if at is not None]


def milestones(slug: str) -> list[tuple[int, dt.datetime, int]]:
    with database().session() as session:
        rows = session.execute(
            select(Milestone.percent, Milestone.reached_at, Milestone.count)
            .where(Milestone.campaign_slug == slug).order_by(Milestone.percent)
        ).all()
    return [(p, at, n) for p, at, n in rows]


def retention_ends(campaign: Campaign) -> dt.date:
    return campaign.closes + dt.timedelta(days=campaign.retention_days)


def anonymize(campaign: Campaign, *, today: dt.date, dry_run: bool = False,
              force: bool = False) -> int:
    """Removes personal data from every signature of a closed campaign once its retention period
    is over; country and dates stay, and confirmed signatures keep counting. Returns how many
    signatures were (or, with ``dry_run``, would be) anonymised. ``force`` skips the retention
    period, never the closing: a campaign still open is refused either way."""
    if today <= campaign.closes:  # the closing day is the last day to sign (Campaign.is_open)
        raise CampaignNotClosed(campaign.closes)
    until = retention_ends(campaign)
    if today < until and not force:
        raise RetentionNotOver(until)
    selection = (Signature.campaign_slug == campaign.slug, Signature.status != ERASED,
                 Signature.anonymized_at.is_(None))
    with database().session() as session:
        ids = session.execute(select(Signature.id).where(*selection)).scalars().all()
    if dry_run:
        return len(ids)
    if not ids:
        # Anonymised before (by a release that left the job files behind): the files still go.
        jobs.remove_outputs(campaign.slug)
        return 0
    with database().session() as session:
        session.execute(
            update(Signature).where(*selection)
            .values(name="", email=None, city="", postcode="", message="", show_name=False,
                    updates=False, anonymized_at=utcnow(),
                    email_key=literal("anonymized:") + cast(Signature.id, String),
                    token_version=Signature.token_version + 1)
            .execution_options(synchronize_session=False)
        )
        audit.record(session, "signatures.anonymized", campaign_slug=campaign.slug,
                     actor="cli", count=len(ids), forced=bool(force and today < until))
    # Once the signatures are anonymised for good: the campaign's packets, exports and mail
    # merges hold the same names and addresses.
    jobs.remove_outputs(campaign.slug)
    return len(ids)


def letter_pdf(token: str, campaign: Campaign) -> tuple[bytes, str]:
    """The signer's personal letter to their default recipient, in the recipient's language with
    a courtesy translation in the signer's language; returns (PDF bytes, file name)."""
    from campaign.letters.merge import SignerDetails
    from campaign.letters.service import render_letter_pdf

    signature = my_signature(token)
    if signature.status != CONFIRMED:
        raise InvalidToken("the signature is not confirmed")
    recipient = campaign.recipients.get(signature.recipient_id) \
        or campaign.default_recipient_for(signature.country)
    details = SignerDetails(
        name=signature.name, country=signature.country, city=signature.city,
        postcode=signature.postcode, message=signature.message,
        date=(signature.confirmed_at or signature.created_at).date(),
    )
    bilingual = signature.locale if signature.locale != recipient.locale else None
    pdf = render_letter_pdf(campaign, recipient.id, details, locale=None, bilingual=bilingual)
    return pdf, f"{campaign.slug}-{recipient.id}.pdf"

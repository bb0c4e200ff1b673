"""Organizer fixtures: accounts, a logged-in client, signatures written straight to storage."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from flask_babel import force_locale, gettext

from campaign.organizer import accounts
from campaign.organizer.packets import packet_locale
from campaign.signatures.models import CONFIRMED, CampaignCounter, CountryCounter, Signature

SLUG = "stop-forced-repatriation"
PASSWORD = "correct horse battery"
_serial = itertools.count()


@pytest.fixture
def add_user(app):
    def factory(email: str = "org@example.org", role: str = "organizer",
                password: str = PASSWORD):
        with app.app_context():
            db = app.extensions["campaign.db"]
            with db.session() as session:
                user = accounts.add_user(session, email, role, password)
                return user.id

    return factory


@pytest.fixture
def login():
    def do(client, email: str = "org@example.org", password: str = PASSWORD):
        return client.post("/admin/login", data={"email": email, "password": password})

    return do


@pytest.fixture
def organizer_client(app, client, add_user, login):
    add_user("org@example.org", "organizer")
    assert login(client).status_code == 302
    return client


@pytest.fixture
def add_signatures(app):
    """Writes confirmed signatures (and their counters) for a recipient; returns the count."""

    def factory(rows, *, recipient: str = "emb-kr", status: str = CONFIRMED,
                day: dt.datetime | None = None, into=None):
        start = day or dt.datetime(2026, 10, 1, 9, 0)
        target = into or app
        with target.app_context():
            db = target.extensions["campaign.db"]
            with db.session() as session:
                for index, row in enumerate(rows):
                    name, show, country = row[0], row[1], row[2] if len(row) > 2 else "KR"
                    serial = next(_serial)
                    session.add(Signature(
                        campaign_slug=SLUG, status=status, source="online",
                        email=f"s{serial}@example.org", email_key=f"s{serial}@example.org",
                        name=name, show_name=show, country=country, city="Seoul",
                        recipient_id=recipient, created_at=start,
                        confirmed_at=start + dt.timedelta(minutes=index)
                        if status == CONFIRMED else None))
                counter = session.get(CampaignCounter, SLUG) or CampaignCounter(
                    campaign_slug=SLUG, confirmed=0, pending=0)
                counter.confirmed += len(rows) if status == CONFIRMED else 0
                counter.pending += len(rows) if status != CONFIRMED else 0
                session.add(counter)
                if status == CONFIRMED:
                    for country in {r[2] if len(r) > 2 else "KR" for r in rows}:
                        n = sum(1 for r in rows if (r[2] if len(r) > 2 else "KR") == country)
                        cc = session.get(CountryCounter, (SLUG, country)) or CountryCounter(
                            campaign_slug=SLUG, country=country, confirmed=0)
                        cc.confirmed += n
                        session.add(cc)
        return len(rows)

    return factory


@pytest.fixture
def withheld(app):
    """"name withheld" in the language of emb-kr's packets (the recipient's)."""
    with app.app_context():
        campaign = app.extensions["campaign.library"].get(SLUG)
        with force_locale(packet_locale(campaign.recipients["emb-kr"])):
            return gettext("name withheld")

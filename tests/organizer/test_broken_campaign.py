"""A typo in a campaign's files while the site runs: signing goes on, organizers see the error."""

from __future__ import annotations

import os

import pytest

from campaign.organizer import accounts
from campaign.signatures.models import Signature
from tests.organizer.conftest import PASSWORD, SLUG


def _break_recipients(letters_dir) -> int:
    """emb-fr's country code FR → FX; returns the line of the typo."""
    path = letters_dir / SLUG / "recipients.csv"
    text = path.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("emb-fr,"))
    path.write_text(text.replace("China in France,FR,", "China in France,FX,"),
                    encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    return line


def _organizer(app, login):
    with app.app_context(), app.extensions["campaign.db"].session() as db:
        accounts.add_user(db, "org@example.org", "organizer", PASSWORD)
    client = app.test_client()
    login(client)
    return client


@pytest.fixture
def site(make_app, letters_dir):
    """The site with the shipped campaign loaded, then a typo in its recipients.csv."""
    app = make_app(LETTERS_DIR=str(letters_dir))
    app.extensions["campaign.library"].recheck_seconds = 0
    assert app.test_client().get(f"/en/c/{SLUG}/").status_code == 200
    app.broken_line = _break_recipients(letters_dir)
    return app


def test_petition_page_stays_up_when_recipients_csv_breaks(site):
    assert site.test_client().get(f"/en/c/{SLUG}/").status_code == 200


def test_signing_works_when_recipients_csv_breaks(site):
    response = site.test_client().post(f"/en/c/{SLUG}/", data={
        "name": "Jane O'Neil", "email": "jane@example.org", "country": "FR", "city": "Paris",
        "postcode": "", "message": "", "show_name": "y", "consent": "y"})
    assert response.status_code in (302, 303)
    with site.extensions["campaign.db"].session() as session:
        [signature] = session.query(Signature).all()
    assert signature.recipient_id == "emb-fr"


def test_count_api_stays_up_when_recipients_csv_breaks(site):
    assert site.test_client().get(f"/api/v1/campaigns/{SLUG}").status_code == 200


def test_campaign_list_keeps_campaign_when_recipients_csv_breaks(site):
    page = site.test_client().get("/en/").get_data(as_text=True)
    assert f"/en/c/{SLUG}/" in page


def test_admin_index_shows_error_of_broken_campaign(site, login):
    page = _organizer(site, login).get("/admin/").get_data(as_text=True)
    assert f"letters/{SLUG}/recipients.csv:{site.broken_line}:" in page
    assert f"/admin/c/{SLUG}/" in page


def test_dashboard_shows_error_of_broken_campaign(site, login):
    response = _organizer(site, login).get(f"/admin/c/{SLUG}/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"letters/{SLUG}/recipients.csv:{site.broken_line}:" in page and "&#39;FX&#39;" in page


def test_dashboard_of_campaign_broken_since_start_shows_error(make_app, letters_dir, login):
    line = _break_recipients(letters_dir)
    client = _organizer(make_app(LETTERS_DIR=str(letters_dir)), login)
    response = client.get(f"/admin/c/{SLUG}/")
    assert response.status_code == 503
    assert f"letters/{SLUG}/recipients.csv:{line}:" in response.get_data(as_text=True)


def test_petition_of_campaign_broken_since_start_is_unavailable(make_app, letters_dir):
    _break_recipients(letters_dir)
    client = make_app(LETTERS_DIR=str(letters_dir)).test_client()
    assert client.get(f"/en/c/{SLUG}/").status_code == 503

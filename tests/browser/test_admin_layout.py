"""Organizer pages in Chromium."""

from __future__ import annotations

import datetime as dt

import pytest

from campaign.organizer import accounts
from campaign.organizer.service import record_delivery

pytestmark = pytest.mark.browser

SLUG = "stop-forced-repatriation"
PASSWORD = "correct horse battery"


def test_dashboard_long_unbroken_delivery_note_keeps_the_page_width(live_app, page):
    with live_app.app_context(), live_app.extensions["campaign.db"].session() as session:
        accounts.add_user(session, "org@example.org", "organizer", PASSWORD)
    with live_app.app_context():
        campaign = live_app.extensions["campaign.library"].get(SLUG)
    with live_app.test_request_context():
        record_delivery(campaign, recipient_id="emb-fr", delivered_on=dt.date(2026, 10, 1),
                        method="post", user_id=None,
                        note="https://tracking.example/" + "x" * 600)
    base = live_app.config["LIVE_URL"]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/admin/login")
    page.fill("#email", "org@example.org")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.goto(f"{base}/admin/c/{SLUG}/")
    assert "tracking.example" in page.inner_text("#deliveries")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

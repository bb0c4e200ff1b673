"""The petition page prints citation locators in the page's language."""

from __future__ import annotations

from campaign.signatures.petition import render_petition
from tests.conftest import LETTERS_DIR, SLUG


def test_petition_locator_is_translated(app):
    from campaign.content import load_campaign

    campaign = load_campaign(LETTERS_DIR, SLUG)
    english = render_petition(campaign, "en", app.config["LOCALES_DIR"]).html
    chinese = render_petition(campaign, "zh_Hans", app.config["LOCALES_DIR"]).html
    assert "art.\u00a033" in english
    assert "art.\u00a033" not in chinese
    assert "33" in chinese

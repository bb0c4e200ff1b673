"""The petition text supporters read is rendered with each locale's translations."""

from __future__ import annotations

import pytest

from campaign.content import CampaignLibrary
from campaign.i18n import catalogs
from campaign.signatures.petition import render_petition
from tests.conftest import LETTERS_DIR, SLUG
from tests.i18n.conftest import LOCALES

CLOSING = "No one should be punished for seeking freedom."


@pytest.fixture(scope="module")
def campaign():
    return CampaignLibrary(LETTERS_DIR).get(SLUG)


@pytest.mark.parametrize("locale", LOCALES)
def test_petition_renders_translated_in_every_locale(locale, campaign, copy_layout):
    translation = catalogs.read(copy_layout.catalog(locale)).get(CLOSING)
    assert translation is not None and translation.string, f"{locale}: {CLOSING!r} untranslated"

    html = render_petition(campaign, locale, str(copy_layout.locales_dir)).html

    assert translation.string in html
    assert CLOSING not in html


def test_petition_renders_korean_text(campaign, copy_layout):
    html = render_petition(campaign, "ko", str(copy_layout.locales_dir)).html
    assert "자유를 찾았다는 이유로 처벌받아서는 안 됩니다" in html

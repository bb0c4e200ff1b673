"""The public pages, complete without JavaScript."""

from __future__ import annotations

import re

import flask
import pytest

from tests.signatures.factories import PETITION, sign_and_confirm


def test_root_redirects_to_best_locale(client):
    response = client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert (response.status_code, response.location) == (302, "/ko/")


def test_root_redirects_chinese_to_simplified(client):
    response = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.location == "/zh_Hans/"


@pytest.mark.parametrize(("header", "expected"), [
    ("de-DE,en;q=0.5", "/de/"), ("ko-KR,en-US;q=0.9,en;q=0.8", "/ko/"),
    ("es-MX,en;q=0.8", "/es/"), ("ar-SA,en;q=0.5", "/ar/"), ("de-CH,fr;q=0.5", "/de/"),
    ("it-IT,fr;q=0.7,en;q=0.3", "/fr/")])
def test_root_follows_the_language_ranked_first_even_with_a_region(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.location.endswith(expected)


def test_root_without_accept_language_redirects_to_english(client):
    assert client.get("/").location == "/en/"


def test_unknown_locale_is_404(client):
    assert client.get("/xx/c/stop-forced-repatriation/").status_code == 404


def test_campaign_list_links_petition(client):
    page = client.get("/en/").get_data(as_text=True)
    assert 'href="/en/c/stop-forced-repatriation/"' in page


@pytest.fixture
def on_day(monkeypatch):
    """Sets the site's today (UTC)."""
    import datetime as dt

    from campaign.web import public

    def set_day(day: str):
        monkeypatch.setattr(public, "utcnow", lambda: dt.datetime.fromisoformat(day))
    return set_day


def test_campaign_list_says_until_when_a_campaign_is_open(client, on_day):
    on_day("2027-01-10")
    page = client.get("/en/").get_data(as_text=True)
    assert "Open for signatures until September 24, 2027" in page


def test_campaign_list_marks_a_closed_campaign(client, on_day):
    on_day("2027-09-25")
    page = client.get("/en/").get_data(as_text=True)
    assert 'class="campaign-state closed"' in page and "Closed on September 24, 2027" in page


def test_campaign_list_state_in_the_page_language(client, on_day):
    on_day("2027-09-25")
    page = client.get("/de/").get_data(as_text=True)
    assert "24. September 2027" in page and "Closed on" not in page


def test_petition_page_before_opening_says_when_it_opens(client, on_day):
    on_day("2026-09-01")
    page = client.get(PETITION).get_data(as_text=True)
    assert "opens for signatures on September 24, 2026" in page and 'id="sign-form"' not in page


def test_petition_page_after_closing_says_when_it_closed(client, on_day):
    on_day("2027-09-25")
    page = client.get(PETITION).get_data(as_text=True)
    assert "closed on September 24, 2027" in page and 'id="sign-form"' not in page


def test_unknown_campaign_is_404(client):
    assert client.get("/en/c/nope/").status_code == 404


def test_petition_page_has_sign_form_fields(client):
    page = client.get(PETITION).get_data(as_text=True)
    assert '<form id="sign-form"' in page
    for name in ("name", "email", "country", "city", "postcode", "message", "show_name",
                 "updates", "consent", "website"):
        assert f'name="{name}"' in page


def test_petition_page_hides_honeypot_from_people(client):
    page = client.get(PETITION).get_data(as_text=True)
    block = re.search(r'<div class="honeypot" aria-hidden="true">.*?</div>', page, re.S).group(0)
    assert 'tabindex="-1"' in block and 'autocomplete="off"' in block


def test_petition_page_renders_citations_with_sources(client):
    page = client.get(PETITION).get_data(as_text=True)
    assert 'href="#ref-1"' in page and 'id="ref-1"' in page


def test_petition_page_has_no_inline_style_or_script(client):
    page = client.get(PETITION).get_data(as_text=True)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)


def test_petition_page_sends_csp(client):
    csp = client.get(PETITION).headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_petition_page_language_switcher_names_languages_in_their_own(client):
    page = client.get(PETITION).get_data(as_text=True)
    assert 'href="/ko/c/stop-forced-repatriation/"' in page and "한국어" in page
    assert "العربية" in page


def test_petition_page_arabic_is_right_to_left(client):
    page = client.get("/ar/c/stop-forced-repatriation/").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_petition_page_country_names_localized(client):
    page = client.get("/ko/c/stop-forced-repatriation/").get_data(as_text=True)
    assert '<option value="KR">대한민국</option>' in page


def test_petition_page_lists_only_two_letter_countries(client):
    page = client.get(PETITION).get_data(as_text=True)
    codes = re.findall(r'<option value="([^"]*)"', page)
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codes if c)


def test_petition_page_shows_count_and_progress(sig_client, outbox):
    sign_and_confirm(sig_client, outbox)
    page = sig_client.get(PETITION).get_data(as_text=True)
    assert 'data-count="1"' in page and '<progress' in page


def test_petition_page_shows_recent_signer_who_opted_in(sig_client, outbox):
    sign_and_confirm(sig_client, outbox, name="Zoë Shown", show_name="y")
    page = sig_client.get(PETITION).get_data(as_text=True)
    assert "Zoë Shown" in page


def test_petition_page_says_recent_signing_times_are_utc(sig_client, outbox):
    sign_and_confirm(sig_client, outbox, name="Zoë Shown", show_name="y")
    page = sig_client.get(PETITION).get_data(as_text=True)
    assert re.search(r'<time datetime="[^"]+Z"><bdi>[^<]+ UTC</bdi></time>', page)


def test_petition_page_hides_signer_who_did_not_opt_in(sig_client, outbox):
    sign_and_confirm(sig_client, outbox, name="Hidden Person", show_name=None)
    assert "Hidden Person" not in sig_client.get(PETITION).get_data(as_text=True)


def test_petition_page_escapes_signer_names(sig_client, sig_app, outbox):
    sign_and_confirm(sig_client, outbox, name="Jane & Co", show_name="y")
    page = sig_client.get(PETITION).get_data(as_text=True)
    assert "Jane &amp; Co" in page


def test_petition_page_country_breakdown_table_and_chart(sig_client, outbox):
    sign_and_confirm(sig_client, outbox, country="KR")
    page = sig_client.get(PETITION).get_data(as_text=True)
    assert '<svg class="chart"' in page and "South Korea" in page


def test_petition_page_share_links_are_plain_links(client):
    page = client.get(PETITION).get_data(as_text=True)
    for host in ("twitter.com/intent/tweet", "facebook.com/sharer", "wa.me", "t.me/share",
                 "social-plugins.line.me", "mailto:"):
        assert host in page


def test_petition_page_share_by_email_is_named_as_a_link_in_japanese(client):
    page = client.get("/ja/c/stop-forced-repatriation/").get_data(as_text=True)
    assert re.search(r'<a [^>]*href="mailto:[^"]*"[^>]*>メール</a>', page)


def test_petition_page_shows_delivery_summary_when_provided(app):
    app.extensions["campaign.delivery_summary"] = lambda slug: {"delivered": 3, "total": 12}
    page = app.test_client().get(PETITION).get_data(as_text=True)
    assert "Delivered to 3 of 12 recipients" in page


@pytest.mark.parametrize("locale", ["en", "ko", "zh_Hans", "ja", "fr", "de", "es", "ar"])
def test_petition_page_renders_in_every_language(client, locale):
    assert client.get(f"/{locale}/c/stop-forced-repatriation/").status_code == 200


def _session_cookie(response) -> str:
    return next(v for k, v in response.headers.items()
                if k == "Set-Cookie" and v.startswith("session="))


def test_session_cookie_is_secure_over_https(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.get(PETITION, base_url="https://petition.example.org")
    assert "; Secure" in _session_cookie(response)


def test_session_cookie_is_not_marked_secure_over_plain_http(make_app):
    # The embedded set-up (`make run`) serves http://127.0.0.1: a Secure cookie would never
    # come back, and no one could sign.
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.get(PETITION)
    assert "Secure" not in _session_cookie(response)


def test_session_cookie_secure_setting_holds_over_plain_http(make_app):
    app = make_app(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get(PETITION)
    assert "; Secure" in _session_cookie(response)


def test_session_opens_with_a_fallback_key_after_the_secret_key_changes(make_app):
    app = make_app()
    with app.test_request_context("/"):
        cookie = app.session_interface.get_signing_serializer(app).dumps({"user": "organizer"})
    app.config.update(SECRET_KEY="a-new-secret-key", SECRET_KEY_FALLBACKS=["test-secret-key"])
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        assert app.session_interface.open_session(app, flask.request) == {"user": "organizer"}


def test_email_field_reads_left_to_right_on_arabic_page(client):
    page = client.get("/ar/c/stop-forced-repatriation/").get_data(as_text=True)
    assert re.search(r'<input[^>]*dir="ltr"[^>]*id="email"|<input[^>]*id="email"[^>]*dir="ltr"',
                     page)


def test_petition_page_writes_the_share_of_the_goal_as_french_does(client):
    page = client.get("/fr/c/stop-forced-repatriation/").get_data(as_text=True)
    label = re.search(r'<p class="goal" id="goal-label"[^>]*>([^<]*)</p>', page)[1]
    assert label.startswith("0\u00a0%")

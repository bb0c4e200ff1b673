"""Signing through the page: good input is stored pending and mailed; bad input comes back with
the error beside the field and the other values kept, and nothing is stored or sent."""

from __future__ import annotations

import re

import pytest

from tests.signatures.factories import PETITION, form, rows


def assert_refused(client, app, outbox, field: str, **overrides):
    response = client.post(PETITION, data=form(**overrides))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert re.search(rf'<[^>]+id="{field}"[^>]*aria-describedby="[^"]*{field}-error', page) or \
        re.search(rf'<[^>]+aria-describedby="[^"]*{field}-error[^"]*"[^>]*id="{field}"', page)
    assert rows(app) == []
    assert outbox.messages() == []
    return page


def test_sign_stores_pending_signature(sig_client, sig_app, outbox):
    sig_client.post(PETITION, data=form())
    [signature] = rows(sig_app)
    assert (signature.status, signature.name, signature.country) == ("pending", "Jane O'Neil", "GB")


def test_sign_redirects_to_check_your_email(sig_client):
    response = sig_client.post(PETITION, data=form())
    assert response.status_code == 303
    assert response.location.endswith("/check-your-email")


def test_sign_sends_confirmation_in_signer_language(sig_client, outbox):
    sig_client.post("/ko/c/stop-forced-repatriation/", data=form())
    assert "/ko/confirm/" in outbox.last_text()


def test_sign_keeps_email_as_typed_with_normalised_key(sig_client, sig_app):
    sig_client.post(PETITION, data=form(email="  Jane@Example.ORG "))
    [signature] = rows(sig_app)
    assert (signature.email, signature.email_key) == ("Jane@Example.ORG", "jane@example.org")


def test_sign_records_default_recipient_for_country(sig_client, sig_app, campaign):
    sig_client.post(PETITION, data=form(country="KR"))
    assert rows(sig_app)[0].recipient_id == campaign.default_recipient_for("KR").id


def test_sign_stores_formula_city_and_postcode_as_typed(sig_client, sig_app):
    sig_client.post(PETITION, data=form(city="=1+1", postcode="-12"))
    [signature] = rows(sig_app)
    assert (signature.city, signature.postcode) == ("=1+1", "-12")


@pytest.mark.parametrize("name", ["김철수", "李华", "محمد علي", "Amélie d’Arcy-Lefèvre"])
def test_sign_accepts_names_in_any_script(sig_client, sig_app, name):
    sig_client.post(PETITION, data=form(name=name))
    assert rows(sig_app)[0].name == name


def test_sign_refuses_missing_name(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "name", name="")


def test_sign_refuses_control_characters_in_name(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "name", name="Jane\x07Doe")


def test_sign_refuses_emoji_in_name_naming_it(sig_client, sig_app, outbox):
    page = assert_refused(sig_client, sig_app, outbox, "name", name="Jane 🙂 Doe")
    assert "Your name contains characters that a letter cannot print: 🙂" in page


def test_sign_refuses_emoji_in_message_in_the_pages_language(sig_client, sig_app, outbox):
    response = sig_client.post("/de/c/stop-forced-repatriation/",
                               data=form(message="Bitte handeln Sie 🙏"))
    assert response.status_code == 400 and rows(sig_app) == []
    assert "🙏" in response.get_data(as_text=True)
    assert "a letter cannot print" not in response.get_data(as_text=True)


def test_sign_refuses_url_in_name(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "name", name="Buy at https://spam.example")


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+1 Jane", "-Jane", "@Jane"])
def test_sign_refuses_formula_in_name(sig_client, sig_app, outbox, name):
    assert_refused(sig_client, sig_app, outbox, "name", name=name)


def test_sign_refuses_name_over_200_characters(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "name", name="a" * 201)


def test_sign_refuses_invalid_email(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "email", email="jane@@example")


def test_sign_refuses_missing_email(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "email", email=None)


def test_sign_refuses_unknown_country(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "country", country="XX")


def test_sign_refuses_city_over_120_characters(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "city", city="c" * 121)


def test_sign_refuses_postcode_over_32_characters(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "postcode", postcode="1" * 33)


def test_sign_refuses_message_over_2000_characters(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "message", message="m" * 2001)


def test_sign_refuses_missing_consent(sig_client, sig_app, outbox):
    assert_refused(sig_client, sig_app, outbox, "consent", consent=None)


def test_sign_refused_form_keeps_other_values(sig_client, sig_app, outbox):
    page = assert_refused(sig_client, sig_app, outbox, "email", email="nope",
                          name="김철수", city="Busan")
    assert 'value="김철수"' in page and 'value="Busan"' in page


def test_sign_refused_form_escapes_typed_values(sig_client, sig_app, outbox):
    page = assert_refused(sig_client, sig_app, outbox, "email", email="nope",
                          city='"><script>alert(1)</script>')
    assert "<script>alert(1)" not in page


@pytest.fixture
def french_app(make_app, tmp_path):
    """An app with a French catalog of its own. Flask-Babel caches catalogs per process by
    locale alone, so the cache is emptied before and after."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from campaign.extensions import babel

    catalog = Catalog(locale="fr")
    catalog.add("Please enter a valid email address.", "Adresse électronique non valide.")
    target = tmp_path / "locales" / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as out:
        write_mo(out, catalog)
    app = make_app(LOCALES_DIR=str(tmp_path / "locales"))
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield app
    with app.app_context():
        babel.domain_instance.cache.clear()


def test_sign_error_message_is_localized(french_app):
    client = french_app.test_client()
    response = client.post("/fr/c/stop-forced-repatriation/", data=form(email="nope"))
    assert "Adresse électronique non valide." in response.get_data(as_text=True)


def test_sign_honeypot_is_dropped_silently(sig_client, sig_app, outbox):
    response = sig_client.post(PETITION, data=form(website="http://spam.example"))
    assert response.status_code == 303
    assert response.location.endswith("/check-your-email")
    assert rows(sig_app) == [] and outbox.messages() == []


def test_sign_honeypot_response_matches_success(sig_client):
    bot = sig_client.post(PETITION, data=form(website="x", email="bot@example.org"))
    person = sig_client.post(PETITION, data=form())
    assert (bot.status_code, bot.location) == (person.status_code, person.location)


def test_sign_form_requires_csrf_token(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post(PETITION, data=form())
    assert response.status_code == 400


def test_sign_form_without_csrf_token_for_unknown_campaign_is_not_found(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/en/c/no-such-campaign/", data=form())
    assert response.status_code == 404


def test_sign_form_with_csrf_token_is_accepted(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get(PETITION).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(PETITION, data=form(csrf_token=token)).status_code == 303


def test_sign_form_with_expired_session_comes_back_filled_in(make_app, outbox):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()  # no session cookie: dropped by the browser, or expired
    response = client.post("/ko/c/stop-forced-repatriation/", data=form(csrf_token="stale"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Jane O&#39;Neil"' in page and 'value="jane@example.org"' in page
    assert "다시" in page  # the notice, in the page's language
    assert rows(app) == [] and outbox.messages() == []


def test_sign_form_after_expired_session_signs_on_second_press(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.post(PETITION, data=form(csrf_token="stale")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(PETITION, data=form(csrf_token=token)).status_code == 303
    assert len(rows(app)) == 1


def test_sign_refused_on_closed_campaign(sig_client, sig_app, outbox, monkeypatch):
    import datetime as dt

    from campaign.signatures import service

    monkeypatch.setattr(service, "utcnow", lambda: dt.datetime(2030, 1, 1))
    response = sig_client.post(PETITION, data=form())
    assert response.status_code == 409 and rows(sig_app) == []


def test_confirmation_subject_names_the_petition_in_signer_language(sig_client, outbox):
    sig_client.post("/ko/c/stop-forced-repatriation/", data=form())
    subject = outbox.messages()[-1]["Subject"]
    assert "탈북" in subject and "Stop the forced" not in subject


def test_confirmation_mail_is_signed_by_the_organisers_in_signer_language(sig_client, outbox):
    sig_client.post("/ko/c/stop-forced-repatriation/", data=form())
    assert "— 강제북송 중단 캠페인 주최 측 일동" in outbox.last_text()


def test_sign_refused_before_campaign_opens_says_when_it_opens(sig_client, sig_app, outbox,
                                                                monkeypatch):
    import datetime as dt

    from campaign.signatures import service
    from campaign.web import public

    monkeypatch.setattr(service, "utcnow", lambda: dt.datetime(2026, 1, 1))
    monkeypatch.setattr(public, "utcnow", lambda: dt.datetime(2026, 1, 1))
    response = sig_client.post(PETITION, data=form())
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and rows(sig_app) == []
    assert "not open yet" in page and "September 24, 2026" in page


def test_sign_refuses_markup_in_name_with_a_bracket_message(sig_client, sig_app, outbox):
    page = assert_refused(sig_client, sig_app, outbox, "name", name="<script>")
    assert "A name cannot contain angle brackets (&lt; &gt;)." in page

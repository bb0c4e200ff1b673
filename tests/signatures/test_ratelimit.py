"""Per-IP rate limits on signing and confirming, with a friendly page."""

from __future__ import annotations

from pathlib import Path

from tests.signatures.conftest import Outbox
from tests.signatures.factories import PETITION, form, link_in


def test_sign_rate_limit_answers_429_page(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="2 per minute",
                   RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    codes = [client.post(PETITION, data=form(email=f"p{i}@example.org"),
                         environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code
             for i in range(3)]
    assert codes == [303, 303, 429]


def test_rate_limit_page_is_friendly(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    for i in range(2):
        response = client.post(PETITION, data=form(email=f"q{i}@example.org"),
                               environ_base={"REMOTE_ADDR": "203.0.113.8"})
    assert "Please wait a few minutes and try again" in response.get_data(as_text=True)


def test_rate_limited_signing_keeps_what_was_typed(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    for i in range(2):
        response = client.post(PETITION, data=form(email=f"k{i}@example.org",
                                                   message="Line one.\n\nLine two & more."),
                               environ_base={"REMOTE_ADDR": "203.0.113.10"})
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 'value="k1@example.org"' in page and "Line one.\n\nLine two &amp; more." in page


def test_rate_limited_signing_page_is_in_the_language_of_the_petition(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    for i in range(2):
        response = client.post("/de/c/stop-forced-repatriation/",
                               data=form(email=f"d{i}@example.org"),
                               environ_base={"REMOTE_ADDR": "203.0.113.11"})
    assert '<html lang="de"' in response.get_data(as_text=True)


def test_rate_limit_disabled_by_setting(make_app):
    app = make_app(RATELIMIT_ENABLED=False, SIGN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    codes = {client.post(PETITION, data=form(email=f"r{i}@example.org")).status_code
             for i in range(3)}
    assert codes == {303}


def test_confirm_rate_limit_answers_429(make_app):
    app = make_app(RATELIMIT_ENABLED=True, CONFIRM_RATE_LIMIT="1 per minute")
    client = app.test_client()
    codes = [client.post("/en/confirm/not-a-token",
                         environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code
             for _ in range(2)]
    assert codes == [404, 429]


def test_ratelimit_enabled_env_false_reaches_flask_limiter(monkeypatch, make_app):
    monkeypatch.setenv("CAMPAIGN_RATELIMIT_ENABLED", "false")
    from campaign import create_app

    app = create_app({"INSTANCE_PATH": make_app().instance_path})
    assert app.config["RATELIMIT_ENABLED"] is False


def test_sign_rate_limit_counts_in_redis_when_configured(make_app):
    import os
    import uuid

    import pytest

    redis_url = os.environ.get("CAMPAIGN_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("CAMPAIGN_TEST_REDIS_URL is not set")
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="1 per minute",
                   RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=uuid.uuid4().hex)
    client = app.test_client()
    codes = [client.post(PETITION, data=form(email=f"s{i}@example.org"),
                         environ_base={"REMOTE_ADDR": "203.0.113.10"}).status_code
             for i in range(2)]
    assert codes == [303, 429]


def test_rate_limit_page_links_back_to_the_petition(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    for i in range(2):
        response = client.post(PETITION, data=form(email=f"s{i}@example.org"),
                               environ_base={"REMOTE_ADDR": "203.0.113.10"})
    assert f'href="{PETITION}"' in response.get_data(as_text=True)


def test_sign_rate_limit_does_not_count_forms_with_errors(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="2 per minute",
                   RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    codes = [client.post(PETITION, data=form(email=email),
                         environ_base={"REMOTE_ADDR": "203.0.113.11"}).status_code
             for email in ["not-an-address", "still@", "t1@example.org", "t2@example.org"]]
    assert codes == [400, 400, 303, 303]


def test_sign_rate_limit_still_counts_valid_signatures_after_errors(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="2 per minute",
                   RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    codes = [client.post(PETITION, data=form(email=email),
                         environ_base={"REMOTE_ADDR": "203.0.113.12"}).status_code
             for email in ["bad", "u1@example.org", "u2@example.org", "u3@example.org"]]
    assert codes == [400, 303, 303, 429]


def test_personal_letter_rate_limit_answers_429(make_app):
    # Each personal letter is laid out anew: one link must not keep the server's cores busy.
    app = make_app(RATELIMIT_ENABLED=True, LETTER_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [client.get("/en/my/not-a-token/letter.pdf",
                        environ_base={"REMOTE_ADDR": "203.0.113.12"}).status_code
             for _ in range(3)]
    assert codes == [404, 404, 429]


def _signing_behind_a_proxy(make_app, visitors: list[str]) -> list[int]:
    """The status of one signature from each of ``visitors`` (the addresses a proxy forwards),
    all arriving from the proxy, with a limit of one a minute."""
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="1 per minute", PROXIES=1)
    client = app.test_client()
    return [client.post(PETITION, data=form(email=f"x{i}@example.org"),
                        environ_base={"REMOTE_ADDR": "10.0.0.2"},
                        headers={"X-Forwarded-For": visitor}).status_code
            for i, visitor in enumerate(visitors)]


def test_sign_rate_limit_behind_a_proxy_counts_each_visitor(make_app):
    codes = _signing_behind_a_proxy(make_app, [f"198.51.100.{i}" for i in range(3)])
    assert codes == [303, 303, 303]


def test_sign_rate_limit_behind_a_proxy_still_holds_for_one_visitor(make_app):
    codes = _signing_behind_a_proxy(make_app, ["198.51.100.9", "198.51.100.9"])
    assert codes == [303, 429]


def test_address_that_signed_already_gets_a_few_mails_an_hour_at_most(make_app):
    # From many addresses (or one visitor under the per-IP limit): a mailbox is not flooded.
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="100 per minute",
                   ADDRESS_MAIL_LIMIT="2 per hour")
    client = app.test_client()
    codes = [client.post(PETITION, data=form(email="target@example.org"),
                         environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code
             for i in range(5)]
    mails = list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert codes == [303] * 5 and len(mails) == 3  # the first, then two more


def test_signing_again_past_the_address_mail_limit_keeps_the_mailed_link(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="100 per minute",
                   ADDRESS_MAIL_LIMIT="1 per hour")
    client = app.test_client()
    outbox = Outbox(Path(app.config["OUTBOX_DIR"]))
    for i in range(3):  # the first mail, one more, then none: the limit is reached
        client.post(PETITION, data=form(email="target@example.org", name=f"Name {i}"),
                    environ_base={"REMOTE_ADDR": f"198.51.100.{i}"})
    page = client.get(link_in(outbox.last_text(), "confirm"))
    assert page.status_code == 200 and "Name 1" in page.get_data(as_text=True)

"""Double opt-in: only a POST on the signed, expiring link confirms, and only once."""

from __future__ import annotations

import pytest

from campaign.signatures import service
from tests.signatures.factories import COUNT_API, PETITION, form, link_in, rows


def confirm_link(client, outbox, **overrides) -> str:
    client.post(PETITION, data=form(**overrides))
    return link_in(outbox.last_text(), "confirm")


def test_confirm_get_does_not_confirm(sig_client, sig_app, outbox):
    link = confirm_link(sig_client, outbox)
    response = sig_client.get(link)
    assert response.status_code == 200
    assert rows(sig_app)[0].status == "pending"


def test_confirm_get_shows_a_button_that_posts(sig_client, outbox):
    link = confirm_link(sig_client, outbox)
    page = sig_client.get(link).get_data(as_text=True)
    assert 'method="post"' in page and f'action="{link}"' in page


def test_confirm_post_confirms(sig_client, sig_app, outbox):
    link = confirm_link(sig_client, outbox)
    response = sig_client.post(link)
    assert response.status_code == 303 and response.location.endswith("/thanks")
    assert rows(sig_app)[0].status == "confirmed"


def test_pending_signature_does_not_count(sig_client, outbox):
    confirm_link(sig_client, outbox)
    assert sig_client.get(COUNT_API).json["count"] == 0


def test_confirmed_signature_counts(sig_client, outbox):
    sig_client.post(confirm_link(sig_client, outbox))
    assert sig_client.get(COUNT_API).json["count"] == 1


def test_confirm_twice_counts_once(sig_client, outbox):
    link = confirm_link(sig_client, outbox)
    sig_client.post(link)
    second = sig_client.post(link)
    assert second.status_code == 303
    assert sig_client.get(COUNT_API).json["count"] == 1


def test_confirm_concurrently_counts_once(sig_app, sig_client, outbox):
    import threading

    link = confirm_link(sig_client, outbox)
    barrier = threading.Barrier(8)

    def press() -> None:
        client = sig_app.test_client()
        barrier.wait()
        client.post(link)

    threads = [threading.Thread(target=press) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sig_client.get(COUNT_API).json["count"] == 1


def test_confirm_counts_per_country(sig_client, outbox):
    sig_client.post(confirm_link(sig_client, outbox, country="KR", email="a@example.org"))
    sig_client.post(confirm_link(sig_client, outbox, country="KR", email="b@example.org"))
    sig_client.post(confirm_link(sig_client, outbox, country="JP", email="c@example.org"))
    assert sig_client.get(COUNT_API).json["by_country"] == {"KR": 2, "JP": 1}


def test_confirm_refuses_tampered_token(sig_client, sig_app, outbox):
    link = confirm_link(sig_client, outbox)
    response = sig_client.post(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert response.status_code == 404
    assert rows(sig_app)[0].status == "pending"


def test_confirm_refuses_privacy_token(sig_client, sig_app, outbox):
    confirm_link(sig_client, outbox)
    privacy = link_in(outbox.last_text(), "my")
    token = privacy.rsplit("/", 1)[1]
    response = sig_client.post(f"/en/confirm/{token}")
    assert response.status_code == 404
    assert rows(sig_app)[0].status == "pending"


def test_confirm_refuses_expired_link(make_app, database_url):
    app = make_app(DATABASE_URL=database_url, CONFIRMATION_MAX_AGE=-1)
    client = app.test_client()
    client.post(PETITION, data=form())
    from pathlib import Path

    from tests.signatures.conftest import Outbox

    link = link_in(Outbox(Path(app.config["OUTBOX_DIR"])).last_text(), "confirm")
    response = client.post(link)
    assert response.status_code == 410
    assert rows(app)[0].status == "pending"


@pytest.fixture
def csrf_pending(make_app):
    """An app that checks CSRF tokens, with one pending signature: (app, its confirm token)."""
    from campaign.signatures.rules import validate_signer

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        campaign = app.extensions["campaign.library"].get("stop-forced-repatriation")
        service.sign(campaign, validate_signer(name="Jane", email="j@example.org",
                                               country="GB"), locale="en", base_url="http://x")
        return app, service.confirmation_token(rows(app)[0])


def test_confirm_requires_csrf_token(csrf_pending):
    app, token = csrf_pending
    app.test_client().post(f"/en/confirm/{token}")
    assert rows(app)[0].status == "pending"


def test_milestone_recorded_when_goal_quarter_reached(sig_app, sig_client, outbox,
                                                     monkeypatch):
    from dataclasses import replace

    library = sig_app.extensions["campaign.library"]
    small = replace(library.get("stop-forced-repatriation"), goal=4)
    monkeypatch.setattr(library, "get", lambda slug: small)
    sig_client.post(confirm_link(sig_client, outbox, email="a@example.org"))
    sig_client.post(confirm_link(sig_client, outbox, email="b@example.org"))
    with sig_app.app_context():
        reached = service.milestones("stop-forced-repatriation")
    assert [(percent, n) for percent, _, n in reached] == [(25, 1), (50, 2)]


def test_confirm_with_expired_session_opens_the_confirm_page_again(csrf_pending):
    app, token = csrf_pending
    client = app.test_client()
    response = client.post(f"/en/confirm/{token}", data={"csrf_token": "stale"})
    assert response.status_code == 303 and response.location == f"/en/confirm/{token}"
    assert "press the button again" in client.get(response.location).get_data(as_text=True)
    assert rows(app)[0].status == "pending"


def test_confirm_page_after_confirming_has_no_button(sig_client, outbox):
    link = confirm_link(sig_client, outbox)
    sig_client.post(link)
    page = sig_client.get(link).get_data(as_text=True)
    assert "already confirmed" in page and 'id="confirm-form"' not in page


def test_confirm_page_after_confirming_is_not_headed_confirm(sig_client, outbox):
    link = confirm_link(sig_client, outbox)
    sig_client.post(link)
    page = sig_client.get(link).get_data(as_text=True)
    assert "Confirm your signature" not in page


def test_confirm_page_after_confirming_links_to_own_page(sig_client, outbox):
    link = confirm_link(sig_client, outbox)
    privacy = sig_client.post(link).location.removesuffix("/thanks")
    page = sig_client.get(link).get_data(as_text=True)
    assert f'href="{privacy}"' in page


def test_thanks_page_names_the_recipient_on_a_line_of_its_own(sig_client, outbox):
    sig_client.post("/fr/c/stop-forced-repatriation/", data=form(country="FR"))
    thanks = sig_client.post(link_in(outbox.last_text(), "confirm")).location
    page = sig_client.get(thanks).get_data(as_text=True)
    # Not "une lettre à Ambassade de …": French would need an article.
    assert '<p class="letter-recipient">Destinataire\u00a0: Ambassade' in page
    assert "à Ambassade" not in page

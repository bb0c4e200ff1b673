"""The delivery log: the form, receipt checks, and the public summary."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from campaign.organizer import accounts
from campaign.organizer.models import Delivery
from campaign.organizer.service import OrganizerError, delivery_summary, record_delivery

SLUG = "stop-forced-repatriation"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _post(client, **extra):
    data = {"recipient": "emb-kr", "delivered_on": "2026-09-24", "method": "in_person",
            "note": "Handed to the consular officer", **extra}
    return client.post(f"/admin/c/{SLUG}/deliveries", data=data,
                       content_type="multipart/form-data")


def _deliveries(app) -> list[Delivery]:
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        return list(session.query(Delivery))


def test_delivery_with_png_receipt_is_recorded(app, organizer_client):
    response = _post(organizer_client, receipt=(io.BytesIO(PNG), "receipt.png"))
    assert response.status_code == 302
    [delivery] = _deliveries(app)
    assert (delivery.method, delivery.receipt_content_type) == ("in_person", "image/png")
    assert delivery.receipt_file != "receipt.png" and delivery.receipt_file.endswith(".png")
    stored = Path(app.instance_path) / "receipts" / delivery.receipt_file
    assert stored.read_bytes() == PNG
    download = organizer_client.get(f"/admin/c/{SLUG}/deliveries/{delivery.id}/receipt")
    assert download.status_code == 200 and download.data == PNG


def test_delivery_receipt_of_wrong_type_is_refused(app, organizer_client):
    html = io.BytesIO(b"<html><script>alert(1)</script></html>")
    _post(organizer_client, receipt=(html, "receipt.pdf"))
    assert _deliveries(app) == []
    page = organizer_client.get(f"/admin/c/{SLUG}/")
    assert b"must be a PDF, PNG or JPEG" in page.data


def test_delivery_receipt_too_large_is_refused(make_app, add_user, login):
    app = make_app(RECEIPT_MAX_BYTES=1000)
    client = app.test_client()
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        from campaign.organizer import accounts

        accounts.add_user(session, "org@example.org", "organizer", "correct horse battery")
    login(client)
    _post(client, receipt=(io.BytesIO(b"%PDF-" + b"0" * 5000), "big.pdf"))
    assert _deliveries(app) == []


def test_delivery_without_receipt_is_recorded(app, organizer_client):
    _post(organizer_client)
    [delivery] = _deliveries(app)
    assert delivery.receipt_file is None


def test_delivery_summary_counts_distinct_recipients(app, organizer_client):
    _post(organizer_client)
    _post(organizer_client, method="post")
    _post(organizer_client, recipient="emb-us")
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        campaign = app.extensions["campaign.library"].get(SLUG)
        delivered, total = delivery_summary(session, campaign)
    assert delivered == 2
    assert total == len(campaign.recipients)


def test_delivery_summary_provider_registered_for_petition_page(app, organizer_client):
    _post(organizer_client)
    with app.app_context():
        summary = app.extensions["campaign.delivery_summary"](SLUG)
    assert summary.delivered == 1


def test_delivery_before_campaign_opened_is_refused(app, organizer_client):
    response = _post(organizer_client, delivered_on="2020-01-01")
    assert response.status_code == 400
    assert _deliveries(app) == []
    page = response.get_data(as_text=True)
    assert 'id="d-date-error">The delivery date is before the campaign opened (2026-09-24).' \
        in page


def test_delivery_in_the_future_is_refused(app, organizer_client):
    later = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = _post(organizer_client, delivered_on=later)
    assert response.status_code == 400
    assert 'id="d-date-error">The delivery date is in the future.' in response.get_data(
        as_text=True)


def test_refused_delivery_keeps_what_was_typed(organizer_client):
    page = _post(organizer_client, delivered_on="2020-01-01").get_data(as_text=True)
    assert "Handed to the consular officer" in page


def test_delivery_before_campaign_opened_is_refused_by_service(app):
    with app.test_request_context():
        campaign = app.extensions["campaign.library"].get(SLUG)
        with pytest.raises(OrganizerError):
            record_delivery(campaign, recipient_id="emb-fr", delivered_on=dt.date(2020, 1, 1),
                            method="post", user_id=None)


def test_removed_delivery_leaves_the_log(app, organizer_client):
    _post(organizer_client, recipient="emb-fr")
    [delivery] = _deliveries(app)
    response = organizer_client.post(f"/admin/c/{SLUG}/deliveries/{delivery.id}/remove",
                                     data={"confirmed": "yes"})
    assert response.status_code == 302
    assert _deliveries(app) == []


def test_removing_delivery_without_confirmation_asks_first(app, organizer_client):
    _post(organizer_client, recipient="emb-fr")
    [delivery] = _deliveries(app)
    response = organizer_client.post(f"/admin/c/{SLUG}/deliveries/{delivery.id}/remove")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Remove the delivery to emb-fr on " in page
    assert '<input type="hidden" name="confirmed" value="yes">' in page
    assert len(_deliveries(app)) == 1


def test_removed_delivery_leaves_the_public_summary(app, organizer_client):
    _post(organizer_client, recipient="emb-fr")
    [delivery] = _deliveries(app)
    organizer_client.post(f"/admin/c/{SLUG}/deliveries/{delivery.id}/remove",
                          data={"confirmed": "yes"})
    page = app.test_client().get(f"/en/c/{SLUG}/").get_data(as_text=True)
    assert "Delivered to" not in page


def test_removed_delivery_takes_its_receipt_along(app, organizer_client):
    _post(organizer_client, receipt=(io.BytesIO(PNG), "receipt.png"))
    [delivery] = _deliveries(app)
    stored = Path(app.instance_path) / "receipts" / delivery.receipt_file
    organizer_client.post(f"/admin/c/{SLUG}/deliveries/{delivery.id}/remove",
                          data={"confirmed": "yes"})
    assert not stored.exists()


def test_receipt_of_delivery_with_an_id_past_any_row_is_not_found(organizer_client):
    response = organizer_client.get(f"/admin/c/{SLUG}/deliveries/99999999999999999999/receipt")
    assert response.status_code == 404


def test_removing_delivery_of_another_campaign_is_refused(app, organizer_client):
    _post(organizer_client)
    [delivery] = _deliveries(app)
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        session.get(Delivery, delivery.id).campaign_slug = "another"
    organizer_client.post(f"/admin/c/{SLUG}/deliveries/{delivery.id}/remove",
                          data={"confirmed": "yes"})
    assert len(_deliveries(app)) == 1


def test_removing_delivery_needs_csrf_token(make_app, login):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        accounts.add_user(session, "org@example.org", "organizer", "correct horse battery")
    with app.app_context():
        campaign = app.extensions["campaign.library"].get(SLUG)
    with app.test_request_context():
        delivery_id = record_delivery(campaign, recipient_id="emb-fr",
                                      delivered_on=dt.date(2026, 10, 1), method="post",
                                      user_id=None)
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/admin/login", data={"email": "org@example.org",
                                      "password": "correct horse battery", "csrf_token": token})
    response = client.post(f"/admin/c/{SLUG}/deliveries/{delivery_id}/remove",
                           data={"confirmed": "yes"})
    assert response.status_code == 400
    assert len(_deliveries(app)) == 1


def test_translator_cannot_remove_delivery(app, client, add_user, login, organizer_client):
    _post(organizer_client)
    [delivery] = _deliveries(app)
    translator = app.test_client()
    add_user("tr@example.org", "translator")
    login(translator, "tr@example.org")
    response = translator.post(f"/admin/c/{SLUG}/deliveries/{delivery.id}/remove",
                               data={"confirmed": "yes"})
    assert response.status_code == 403
    assert len(_deliveries(app)) == 1


def test_delivery_form_names_recipients_by_id_first(organizer_client):
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    assert '<option value="emb-fr">emb-fr · Embassy of the People' in page

"""The delivery log: the form, receipt checks, and the public summary."""

from __future__ import annotations

import io
from pathlib import Path

from campaign.organizer.models import Delivery
from campaign.organizer.service import delivery_summary

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

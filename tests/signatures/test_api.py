"""The count API: O(1) counters, caching headers, and the OpenAPI document that describes it."""

from __future__ import annotations

import jsonschema
from sqlalchemy import event

from tests.signatures.factories import COUNT_API, sign_and_confirm


def test_count_api_shape_validates_against_openapi_schema(sig_client, outbox):
    sign_and_confirm(sig_client, outbox, country="KR")
    document = sig_client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["CampaignCount"]
    jsonschema.validate(sig_client.get(COUNT_API).json, schema,
                        format_checker=jsonschema.FormatChecker())


def test_openapi_document_is_openapi_3_1(sig_client):
    document = sig_client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/campaigns/{slug}" in document["paths"]


def test_count_api_empty_campaign_counts_zero(sig_client):
    data = sig_client.get(COUNT_API).json
    assert (data["count"], data["by_country"], data["goal"]) == (0, {}, 100000)


def test_count_api_sets_cache_control(sig_client):
    response = sig_client.get(COUNT_API)
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=10" in response.headers["Cache-Control"]


def test_count_api_answers_304_for_matching_etag(sig_client):
    etag = sig_client.get(COUNT_API).headers["ETag"]
    assert sig_client.get(COUNT_API, headers={"If-None-Match": etag}).status_code == 304


def test_count_api_etag_changes_with_count(sig_client, outbox):
    before = sig_client.get(COUNT_API).headers["ETag"]
    sign_and_confirm(sig_client, outbox)
    assert sig_client.get(COUNT_API).headers["ETag"] != before


def test_count_api_unknown_campaign_is_404(sig_client):
    assert sig_client.get("/api/v1/campaigns/nope").status_code == 404


def test_count_never_counts_signature_rows(sig_app, sig_client, outbox):
    sign_and_confirm(sig_client, outbox)
    statements: list[str] = []
    engine = sig_app.extensions["campaign.db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        sig_client.get(COUNT_API)
        sig_client.get("/en/c/stop-forced-repatriation/")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    over_signatures = [s for s in statements
                       if "count(" in s.lower() and "from signatures" in s.lower()]
    assert statements and over_signatures == []


def test_count_micro_cache_replays_full_response(make_app):
    from campaign.signatures.service import add_to_counters

    app = make_app(TESTING=False)
    client = app.test_client()
    first = client.get(COUNT_API)
    with app.extensions["campaign.db"].session() as session:
        add_to_counters(session, "stop-forced-repatriation", "KR", confirmed=1)
    second = client.get(COUNT_API)  # within the cache's second: the earlier answer
    assert second.data == first.data
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert second.headers["ETag"] == first.headers["ETag"]


def test_count_micro_cache_answers_304(make_app):
    client = make_app(TESTING=False).test_client()
    etag = client.get(COUNT_API).headers["ETag"]
    response = client.get(COUNT_API, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.data == b""

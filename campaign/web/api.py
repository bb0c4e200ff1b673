"""The public JSON API: a campaign's live count, and its OpenAPI description."""

from __future__ import annotations

import hashlib
import json
import re
import time

from flask import Blueprint, abort, current_app, request

from campaign.app_context import library
from campaign.content.errors import ContentErrors
from campaign.signatures import service

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_AGE = 10  # seconds browsers and proxies may reuse a count
# Each worker process answers from memory for this long (``CountMicroCache``): 100,000 people
# polling every 30 s cost one read of the counters per second per process, not 3,333.
LOCAL_TTL = 1.0

_COUNT_PATH = re.compile(r"^/api/v1/campaigns/([a-z0-9-]{1,100})$")


class CountMicroCache:
    """WSGI middleware answering repeated ``GET /api/v1/campaigns/<slug>`` from memory.

    The count is the page a crowd polls. For ``LOCAL_TTL`` seconds each worker process replays
    the last complete answer the app gave (status, every header — security headers included —
    and body), or a 304 when ``If-None-Match`` matches, without entering Flask: what a caching
    reverse proxy would do, built in so the embedded set-up needs none.
    """

    def __init__(self, wsgi_app, ttl: float = LOCAL_TTL):
        self.wsgi_app = wsgi_app
        self.ttl = ttl
        self.entries: dict[str, tuple[float, str, list[tuple[str, str]], bytes, str]] = {}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or not _COUNT_PATH.match(path):
            return self.wsgi_app(environ, start_response)
        entry = self.entries.get(path)
        if entry and entry[0] > time.monotonic():
            _, status, headers, body, etag = entry
            if etag and etag in environ.get("HTTP_IF_NONE_MATCH", ""):
                start_response("304 NOT MODIFIED",
                               [(k, v) for k, v in headers if k.lower() != "content-length"])
                return [b""]
            start_response(status, headers)
            return [body]
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        chunks = list(self.wsgi_app(environ, capture))
        headers = captured.get("headers") or []
        # Never replay a cookie to other visitors.
        if captured.get("status", "").startswith("200") and not any(
                k.lower() == "set-cookie" for k, _ in headers):
            etag = next((v for k, v in headers if k.lower() == "etag"), "")
            self.entries[path] = (time.monotonic() + self.ttl, captured["status"], headers,
                                  b"".join(chunks), etag)
        return chunks


@bp.record_once
def _install_micro_cache(state) -> None:
    if not state.app.testing:
        state.app.wsgi_app = CountMicroCache(state.app.wsgi_app)


COUNT_SCHEMA = {
    "type": "object",
    "required": ["slug", "title", "goal", "count", "by_country", "updated_at"],
    "additionalProperties": False,
    "properties": {
        "slug": {"type": "string", "pattern": "^[a-z0-9-]+$"},
        "title": {"type": "string"},
        "goal": {"type": "integer", "minimum": 0},
        "count": {"type": "integer", "minimum": 0,
                  "description": "Confirmed signatures (erased ones excluded)."},
        "by_country": {
            "type": "object",
            "description": "Confirmed signatures per ISO 3166-1 alpha-2 country code.",
            "propertyNames": {"pattern": "^[A-Z]{2}$"},
            "additionalProperties": {"type": "integer", "minimum": 0},
        },
        "updated_at": {"type": ["string", "null"], "format": "date-time",
                       "description": "When the count last changed (UTC)."},
    },
}


def _count_body(slug: str) -> tuple[bytes, str]:
    try:
        campaign = library().get(slug)
    except KeyError:
        abort(404)
    except ContentErrors:
        abort(503)  # exists, but broken since the site started; the library logged why
    count = service.count(slug)
    body = json.dumps({
        "slug": campaign.slug,
        "title": campaign.title,
        "goal": campaign.goal,
        "count": count.count,
        "by_country": count.by_country,
        "updated_at": count.updated_at.isoformat() + "Z" if count.updated_at else None,
    }, ensure_ascii=False, separators=(",", ":")).encode()
    return body, hashlib.blake2b(body, digest_size=12).hexdigest()


@bp.get("/campaigns/<slug>")
def campaign_count(slug: str):
    body, etag = _count_body(slug)
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


@bp.get("/openapi.json")
def openapi():
    document = {
        "openapi": "3.1.0",
        "info": {"title": "campaign public API", "version": "1.0.0",
                 "description": "Live counts of confirmed signatures."},
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": {
            "/api/v1/campaigns/{slug}": {
                "get": {
                    "operationId": "getCampaignCount",
                    "summary": "A campaign's count of confirmed signatures",
                    "parameters": [{"name": "slug", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "The count; cacheable for 10 seconds.",
                            "headers": {
                                "ETag": {"schema": {"type": "string"}},
                                "Cache-Control": {"schema": {"type": "string"}},
                            },
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/CampaignCount"}}},
                        },
                        "304": {"description": "Not modified since the ETag in If-None-Match."},
                        "404": {"description": "No such campaign."},
                        "503": {"description": "The campaign's files have errors and it has "
                                               "not loaded since the server started."},
                    },
                }
            }
        },
        "components": {"schemas": {"CampaignCount": COUNT_SCHEMA}},
    }
    response = current_app.response_class(json.dumps(document, indent=2),
                                          mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

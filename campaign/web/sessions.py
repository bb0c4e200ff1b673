"""The session cookie (it holds the CSRF token and an organizer's login): Flask's signed cookie,
marked Secure whenever the request came over HTTPS."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CampaignSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        # Decided per request: behind an HTTPS proxy (with ProxyFix) the cookie must never travel
        # in clear, and a setting changed per request would be shared with the threads serving
        # other requests at that moment.
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Flask builds the serializer on every request; it depends only on the keys.
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._serializers:
            if len(self._serializers) >= 8:
                self._serializers.clear()
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

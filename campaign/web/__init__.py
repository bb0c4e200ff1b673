"""The web interface: blueprints, security headers and error pages."""

from __future__ import annotations

from babel import Locale
from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

# Content-Security-Policy without inline script: scripts only from our own static files.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_web(app: Flask) -> None:
    from campaign.web import admin, api, letters, public, translate
    from campaign.web.sessions import CampaignSessionInterface

    app.session_interface = CampaignSessionInterface()
    for module in (public, api, letters, admin, translate):
        app.register_blueprint(module.bp)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.context_processor
    def page_language():
        locale = get_locale()
        direction = locale.text_direction if locale else "ltr"
        return {
            "page_lang": str(locale).replace("_", "-") if locale else "en",
            "page_dir": "rtl" if direction == "rtl" else "ltr",
            "language_name": lambda code: Locale.parse(code).get_display_name(code).title()
            if code else "",
        }

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("error.html", code=400, message=error.description), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        return render_template("error.html", code=error.code, message=error.description), \
            error.code

    @app.errorhandler(Exception)
    def unexpected_error(error):
        # Never show a traceback to a visitor; it is in the server log.
        app.logger.exception("unhandled error on %s", request.path)
        return render_template("error.html", code=500,
                               message="Something went wrong on our side."), 500

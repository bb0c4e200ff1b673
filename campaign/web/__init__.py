"""The web interface: blueprints, security headers and error pages."""

from __future__ import annotations

from babel import Locale
from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
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
        # The form's token lives in the session cookie, which a browser may have dropped (a
        # restart) or which expired while the page stayed open: the page again with a fresh
        # token, what was typed kept, rather than an error that loses a signature.
        try:
            again = public.form_again(request.endpoint, request.view_args or {})
        except HTTPException as exc:  # the form's page is not there (a campaign that is not)
            return http_error(exc)
        if again is not None:
            return again
        return render_template("error.html", code=400, message=_(
            "This form was open too long and has expired, so nothing was sent. Please go back, "
            "reload the page and send it again.")), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        if request.blueprint == "api":  # programs read the API: JSON errors there
            return jsonify({"error": error_message(error)}), error.code
        return render_template("error.html", code=error.code,
                               message=error_message(error)), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error):
        # Never show a traceback to a visitor; it is in the server log.
        app.logger.exception("unhandled error on %s", request.path)
        return render_template("error.html", code=500, message=_(
            "Something went wrong on our side. Please try again later.")), 500


def error_message(error: HTTPException) -> str:
    """What an error page says, in the page's language. A description the app wrote itself
    (``abort(503, ...)``) is kept; Werkzeug's English defaults are replaced."""
    default = type(error).description
    if error.description and error.description != default:
        return error.description
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist. Check the address, or start again from the home "
               "page."),
        405: _("This page cannot be used that way."),
        410: _("This page is no longer available."),
        413: _("What was sent is too large."),
    }
    return messages.get(error.code or 0, _("Something went wrong on our side. Please try "
                                           "again later."))

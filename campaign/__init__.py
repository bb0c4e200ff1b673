"""campaign: a toolkit for advocacy campaigns — petitions, cited multilingual letters, packets."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from campaign import settings
from campaign.content import CampaignLibrary
from campaign.extensions import babel, csrf, limiter, select_locale
from campaign.storage import Database

__all__ = ["create_app"]

# Babel locale identifiers the interface is offered in (English is the source language).
LANGUAGES = ["en", "ko", "zh_Hans", "ja", "fr", "de", "es", "ar"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Builds the app: configuration from defaults, the instance folder, ``CAMPAIGN_*`` variables,
    then ``test_config``."""
    instance_path = Path(
        (test_config or {}).get("INSTANCE_PATH") or settings.default_instance_path()
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        static_folder=str(settings.PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    app.config.update(settings.defaults(instance_path))
    app.config["LANGUAGES"] = list(LANGUAGES)
    app.config.from_prefixed_env("CAMPAIGN")
    if test_config:
        app.config.update(test_config)
    settings.check(app.config)
    settings.instance_folder(instance_path)
    if not app.config.get("SECRET_KEY"):
        try:
            app.config["SECRET_KEY"] = settings.instance_secret_key(instance_path)
        except OSError as exc:
            raise settings.ConfigError(
                f"CAMPAIGN_INSTANCE_PATH: cannot keep the secret key in {instance_path}: "
                f"{exc.strerror or exc} (or set CAMPAIGN_SECRET_KEY)") from exc
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = app.config["LOCALES_DIR"]
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URI"]
    app.config["PERMANENT_SESSION_LIFETIME"] = int(app.config["SESSION_LIFETIME"])

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # pikepdf says at INFO level that it loaded, in every mail merge.
    logging.getLogger("pikepdf").setLevel(logging.WARNING)
    settings.warn_if_slow_fonts()

    try:
        app.extensions["campaign.db"] = Database(app.config["DATABASE_URL"])
    except ArgumentError as exc:
        raise settings.ConfigError(
            f"CAMPAIGN_DATABASE_URL: {app.config['DATABASE_URL']!r} is not a database URL "
            "(sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)") from exc
    except (NoSuchModuleError, ImportError) as exc:
        # A database SQLAlchemy does not know, or whose driver is not installed.
        raise settings.ConfigError(f"CAMPAIGN_DATABASE_URL: unsupported database: {exc}") from exc
    app.extensions["campaign.library"] = CampaignLibrary(Path(app.config["LETTERS_DIR"]))

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # Same whitespace policy as babel.cfg, or msgids of wrapped {% trans %} blocks would not match.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    limiter.init_app(app)
    proxies = int(app.config["PROXIES"])
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore[method-assign]
                                x_host=proxies)

    from campaign.commands import register_commands
    from campaign.web import init_web

    init_web(app)
    register_commands(app)
    return app

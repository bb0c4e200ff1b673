"""Shared fixtures: a fresh app on a migrated database per test, the shipped letters, real servers."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from campaign import create_app
from campaign.settings import PROJECT_ROOT
from campaign.storage import migrate

LETTERS_DIR = PROJECT_ROOT / "letters"
SLUG = "stop-forced-repatriation"


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file per test session; each test gets a copy (migrating is slow)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path, migrated_sqlite_template) -> str:
    path = tmp_path / "campaign.sqlite3"
    shutil.copyfile(migrated_sqlite_template, path)
    return f"sqlite:///{path}"


def _postgres_schema_url(base_url: str) -> tuple[str, str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in base_url else "?"
    return schema, f"{base_url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url():
    """A migrated PostgreSQL schema of its own for this test, dropped afterwards."""
    base_url = os.environ.get("CAMPAIGN_TEST_DATABASE_URL")
    if not base_url:
        pytest.skip("CAMPAIGN_TEST_DATABASE_URL is not set")
    schema, url = _postgres_schema_url(base_url)
    engine = create_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """Storage tests take this fixture to run on SQLite always and on PostgreSQL when configured."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def letters_dir(tmp_path) -> Path:
    """A private copy of the shipped ``letters/`` that a test may break."""
    target = tmp_path / "letters"
    shutil.copytree(LETTERS_DIR, target)
    return target


@pytest.fixture
def make_app(tmp_path, sqlite_url):
    """Builds an app on a fresh instance folder; keyword arguments override its configuration."""
    apps = []

    def factory(**config):
        settings = {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": sqlite_url,
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "JOBS_BACKEND": "inprocess",
            "OUTBOX_DIR": str(tmp_path / "instance" / "outbox"),
            "JOBS_DIR": str(tmp_path / "instance" / "jobs"),
        }
        settings.update(config)
        app = create_app(settings)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        app.extensions["campaign.db"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def umask():
    """Sets this process's umask for the test (``umask(0o027)``); the old one comes back after."""
    previous = os.umask(0o077)
    os.umask(previous)
    yield os.umask
    os.umask(previous)

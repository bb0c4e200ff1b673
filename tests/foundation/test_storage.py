"""Storage: migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from campaign.signatures.models import Signature
from campaign.storage import Database, migrate
from campaign.storage.audit import AuditEvent, record
from campaign.storage.models import metadata


def test_migrations_match_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_migrations_reach_head(database_url):
    assert migrate.current_revision(database_url) == migrate.head_revision(database_url)


def test_downgrade_to_base_removes_every_table(database_url):
    migrate.downgrade(database_url, "base")
    engine = create_engine(database_url)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()


def test_signature_unique_per_campaign_and_email(database_url):
    database = Database(database_url)
    with database.session() as session:
        session.add(Signature(campaign_slug="c", email="A@x.org", email_key="a@x.org"))
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Signature(campaign_slug="c", email="a@x.org ", email_key="a@x.org"))
    with database.session() as session:
        session.add(Signature(campaign_slug="other", email="a@x.org", email_key="a@x.org"))
    database.dispose()


def test_session_rolls_back_on_error(database_url):
    database = Database(database_url)
    with pytest.raises(RuntimeError), database.session() as session:
        record(session, "test.event", campaign_slug="c")
        session.flush()
        raise RuntimeError("crash mid-job")
    with database.session() as session:
        assert session.query(AuditEvent).count() == 0
    database.dispose()


def test_sqlite_uses_write_ahead_log(sqlite_url):
    database = Database(sqlite_url)
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    database.dispose()


def _enter_writer(database, entered) -> None:
    with database.writer():
        entered.set()


@pytest.mark.parametrize("context", [multiprocessing.get_context("fork"), threading],
                         ids=["process", "thread"])
def test_sqlite_writer_keeps_other_writers_waiting(sqlite_url, context):
    # gunicorn's workers are forked: the lock must hold between processes, also when the
    # parent had already taken it once before the fork; and between a process's threads.
    database = Database(sqlite_url)
    entered = context.Event()
    start = getattr(context, "Process", None) or context.Thread
    with database.writer():
        other = start(target=_enter_writer, args=(database, entered))
        other.start()
        assert not entered.wait(0.5)
    assert entered.wait(30)
    other.join(30)
    database.dispose()


def test_sqlite_writer_lets_the_next_writer_in_after_an_error(sqlite_url):
    database = Database(sqlite_url)
    with pytest.raises(RuntimeError), database.writer():
        raise RuntimeError("crash mid-write")
    context = multiprocessing.get_context("fork")
    entered = context.Event()
    child = context.Process(target=_enter_writer, args=(database, entered))
    child.start()
    assert entered.wait(30)
    child.join(30)
    database.dispose()


def test_db_upgrade_command_creates_database(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = make_app(DATABASE_URL=url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert migrate.current_revision(url) == migrate.head_revision(url)


def test_upgrade_takes_the_spreadsheet_quote_off_values_stored_with_it(database_url):
    database = Database(database_url)
    with database.session() as session:
        session.add(Signature(campaign_slug="c", email="a@x.org", email_key="a@x.org",
                              name="'=Ann", city="'=1+1", postcode="'-12"))
        session.add(Signature(campaign_slug="c", email="b@x.org", email_key="b@x.org",
                              name="'t Hooft", city="'s-Hertogenbosch", postcode="5211"))
    database.dispose()
    migrate.downgrade(database_url, "0003")
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT name, city, postcode FROM signatures ORDER BY email")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("=Ann", "=1+1", "-12"),
                                        ("'t Hooft", "'s-Hertogenbosch", "5211")]

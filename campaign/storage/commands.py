"""``campaign db upgrade | downgrade | current``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from alembic.util import CommandError
from flask import current_app
from flask.cli import AppGroup

from campaign.storage import migrate


@contextmanager
def _revision_errors() -> Iterator[None]:
    # Alembic says what is wrong with a revision (unknown, ambiguous, not reachable) in its
    # message; the traceback around it adds nothing for the person who typed it.
    try:
        yield
    except CommandError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create or upgrade the database to REVISION (default: the newest)."""
    url = current_app.config["DATABASE_URL"]
    with _revision_errors():
        migrate.upgrade(url, revision)
    click.echo(f"database at revision {migrate.current_revision(url)}")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Downgrade the database to REVISION."""
    with _revision_errors():
        migrate.downgrade(current_app.config["DATABASE_URL"], revision)


@db_group.command("current")
def current_command() -> None:
    """Show the database's revision and the newest one."""
    url = current_app.config["DATABASE_URL"]
    click.echo(f"current: {migrate.current_revision(url)}  head: {migrate.head_revision(url)}")

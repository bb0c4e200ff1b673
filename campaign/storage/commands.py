"""``campaign db upgrade | downgrade | current``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from campaign.storage import migrate


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create or upgrade the database to REVISION (default: the newest)."""
    url = current_app.config["DATABASE_URL"]
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {migrate.current_revision(url)}")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Downgrade the database to REVISION."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


@db_group.command("current")
def current_command() -> None:
    """Show the database's revision and the newest one."""
    url = current_app.config["DATABASE_URL"]
    click.echo(f"current: {migrate.current_revision(url)}  head: {migrate.head_revision(url)}")

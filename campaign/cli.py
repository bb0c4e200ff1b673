"""The ``campaign`` command: Flask's commands (run, routes, shell) and the project's own.

The project's commands are registered on ``app.cli`` by ``create_app`` (see ``campaign.commands``);
FlaskGroup lists them beside its own.
"""

from __future__ import annotations

import signal
import sys

import click
import sqlalchemy.exc
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy.engine import make_url

from campaign import interrupts
from campaign.content.errors import ContentErrors
from campaign.settings import ConfigError


class CampaignGroup(FlaskGroup):
    """FlaskGroup that turns an interruption into one line and the shell's exit status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        # FlaskGroup prints the traceback of an app that does not load; a setting's error is
        # one line, and the help still lists Flask's own commands.
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except ConfigError as exc:
            click.echo(f"Error: {exc}", err=True)
            self._load_plugin_commands()
            return sorted(click.Group.list_commands(self, ctx))
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlalchemy.exc.DBAPIError as exc:
            raise click.ClickException(_database_problem(ctx, exc)) from None
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            if signum == signal.SIGINT and sys.stderr.isatty():
                click.echo(err=True)  # ends the line the terminal's "^C" was echoed on
            click.echo("Interrupted", err=True)
            # What the command had started is cleaned up by now (every finally and with on
            # the way here has run). Leaving the interpreter runs multiprocessing's exit
            # handlers, which can wait forever on a pool a signal cut off half-way through its
            # own shutdown: past a few seconds the process ends without them.
            if interrupts.installed():
                interrupts.end_worker_processes()
                interrupts.exit_within(_EXIT_GRACE_SECONDS, 128 + signum)
            # 128 + the signal's number, as the shell reports a process the signal killed.
            raise click.exceptions.Exit(128 + signum) from None


_EXIT_GRACE_SECONDS = 10


def _database_problem(ctx: click.Context, exc: sqlalchemy.exc.DBAPIError) -> str:
    """What to do about a database error that no command handles: most often a database that
    was never migrated (``no such table``) or one older than the code."""
    from campaign.storage import migrate

    url = ctx.ensure_object(ScriptInfo).load_app().config["DATABASE_URL"]
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        current, head = migrate.current_revision(url), migrate.head_revision(url)
    except Exception:  # noqa: BLE001 - unreachable too: the original error says why
        current = head = None
    if head is not None and current is None:
        return f"the database {shown} is not set up: run 'campaign db upgrade'"
    if head is not None and current != head:
        return (f"the database {shown} is at revision {current}, this version needs {head}: "
                f"run 'campaign db upgrade'")
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    return f"CAMPAIGN_DATABASE_URL ({shown}): {reason}"


def _create_app():
    from campaign import create_app

    return create_app()


@click.group(cls=CampaignGroup, create_app=_create_app, load_dotenv=False)
def cli() -> None:
    """Run and manage advocacy campaigns. Configuration comes from CAMPAIGN_* variables."""


def main() -> None:
    interrupts.handle_signals()
    try:
        cli.main(prog_name="campaign")
    except ContentErrors as exc:
        # Content problems are the organiser's to fix: say where, never show a traceback.
        click.echo(str(exc), err=True)
        sys.exit(1)

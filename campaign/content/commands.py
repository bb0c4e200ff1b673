"""``campaign check [SLUG]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from campaign.content.check import check_campaign
from campaign.content.library import list_campaign_slugs


@click.command("check")
@with_appcontext
@click.argument("slugs", nargs=-1)
@click.option("--strict", is_flag=True, help="Treat warnings (such as uncited sources) as errors.")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Check as of this date (YYYY-MM-DD), e.g. the day letters will be printed; "
                   "default today.")
def check_command(slugs: tuple[str, ...], strict: bool, on) -> None:
    """Validate campaigns: files, templates, citations, recipients and routing.

    Prints one ``file:line: message`` line per problem; exits 1 if any error is found.
    """
    letters_dir = Path(current_app.config["LETTERS_DIR"])
    slugs = slugs or tuple(list_campaign_slugs(letters_dir))
    if not slugs:
        click.echo(f"{letters_dir}: no campaigns found (a campaign is a folder with a "
                   "campaign.toml)", err=True)
        sys.exit(1)
    failed = False
    for slug in slugs:
        problems = check_campaign(letters_dir, slug, on.date() if on else None)
        errors = [p for p in problems if p.severity == "error" or strict]
        for problem in problems:
            click.echo(str(problem), err=problem in errors)
        failed = failed or bool(errors)
        if not errors:
            click.echo(f"{slug}: ok" + (f" ({len(problems)} warnings)" if problems else ""))
    sys.exit(1 if failed else 0)

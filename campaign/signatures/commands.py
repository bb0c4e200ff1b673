"""Commands of this area, registered under ``campaign``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from campaign.app_context import library
from campaign.content.errors import ContentErrors
from campaign.signatures import service
from campaign.storage.base import utcnow


@click.command("anonymize")
@click.option("--campaign", "slug", required=True, help="The campaign's slug.")
@click.option("--dry-run", is_flag=True, help="Only say how many signatures would be anonymised.")
@click.option("--force", is_flag=True,
              help="Anonymise a closed campaign before its retention period has ended.")
@with_appcontext
def anonymize_command(slug: str, dry_run: bool, force: bool) -> None:
    """Remove personal data from a closed campaign's signatures after its retention period.

    Country and dates stay for statistics, and confirmed signatures keep counting."""
    try:
        campaign = library().get(slug)
    except KeyError:
        raise click.BadParameter(f"no campaign '{slug}'", param_hint="--campaign") from None
    except ContentErrors as exc:
        raise click.ClickException(f"campaign '{slug}' does not load:\n{exc}") from None
    today = utcnow().date()
    try:
        n = service.anonymize(campaign, today=today, dry_run=dry_run, force=force)
    except service.CampaignNotClosed as exc:
        raise click.ClickException(
            f"campaign '{slug}' does not close until {exc.closes.isoformat()}: its signatures "
            "are anonymised only after it has closed, or the same people could sign again and "
            "be counted twice (--force skips only the retention period)") from None
    except service.RetentionNotOver as exc:
        raise click.ClickException(
            f"campaign '{slug}' keeps its signatures until {exc.until.isoformat()} "
            f"(closes {campaign.closes.isoformat()} + retention_days {campaign.retention_days}); "
            "use --force to anonymise now") from None
    if dry_run:
        click.echo(f"{n} signature(s) of '{slug}' would be anonymised (dry run, nothing changed)")
    else:
        click.echo(f"{n} signature(s) of '{slug}' anonymised")


commands: list[click.Command] = [anonymize_command]

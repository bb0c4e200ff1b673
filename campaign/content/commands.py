"""``campaign check [SLUG]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from campaign.content.check import check_campaign
from campaign.content.errors import Problem
from campaign.content.library import list_campaign_slugs


def trial_renders(letters_dir: Path, slug: str, skip: set[Path] = frozenset()) -> list[Problem]:
    """Renders every letter (to a signer, and as a packet's cover letter) in every language of
    the campaign, as HTML: a template that compiles can still fail with the data it gets (an
    undefined name, a sandbox refusal, a broken translation). Letters whose template is in
    ``skip`` (already reported) are left out; nothing is rendered if the campaign does not
    load."""
    from campaign.content.errors import ContentError, ContentErrors
    from campaign.content.library import load_campaign
    from campaign.letters.errors import LetterError
    from campaign.letters.merge import SignerDetails
    from campaign.letters.service import engine

    try:
        campaign = load_campaign(letters_dir, slug)
    except (ContentError, ContentErrors):
        return []  # its problems are reported already
    letters = engine()
    signer = SignerDetails("A. Signer", "GB", "London", "N1 9GU", "A paragraph.\n\nAnother.")
    problems: list[Problem] = []
    for letter in campaign.letters:
        recipient = next((r for r in campaign.recipients.values()
                          if campaign.letter_for(r.id) == letter), None)
        if recipient is None or campaign.directory / letter.template in skip:
            continue
        for language in campaign.languages:
            try:
                letters.letter_html(campaign, recipient.id, signer, locale=language)
                letters.cover_letter_html(campaign, recipient.id, locale=language,
                                          signature_count=2)
            except LetterError as exc:
                problems.append(Problem(campaign.directory / letter.template, None,
                                        f"fails to render in {language} (to '{recipient.id}'): "
                                        f"{exc}"))
                break  # the same mistake in every language
    return problems


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
        # A letter whose template has a mistake of its own is not rendered again; the others
        # are, so that one run names every broken template.
        problems += trial_renders(letters_dir, slug, skip={
            p.path for p in problems if p.severity == "error"})
        errors = [p for p in problems if p.severity == "error" or strict]
        for problem in problems:
            click.echo(str(problem), err=problem in errors)
        failed = failed or bool(errors)
        if not errors:
            click.echo(f"{slug}: ok" + (f" ({len(problems)} warnings)" if problems else ""))
    sys.exit(1 if failed else 0)

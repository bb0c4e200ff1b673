"""``campaign check``: everything that can be wrong with a campaign's files, as ``file:line`` lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from jinja2 import TemplateSyntaxError

from campaign.content.errors import Problem, not_utf8
from campaign.content.library import (
    CAMPAIGN_FILE,
    campaign_from_files,
    read_campaign_files,
)
from campaign.content.model import Campaign, Source
from campaign.content.templates import cite_calls, make_sandbox
from campaign.content.territories import country_codes
from campaign.letters.terms import LOCATOR_LABELS

# An office-holder whose term ends within this many days is named in the check's warnings.
TERM_ENDING_DAYS = 60


def check_campaign(letters_dir: Path, slug: str, today: dt.date | None = None) -> list[Problem]:
    """Every problem in the campaign ``slug``; errors first are not guaranteed, file order is.

    A campaign whose files do not load is still checked as far as it can be: a mistake in
    ``recipients.csv`` does not hide one in a template, so that one run names them all."""
    files = read_campaign_files(letters_dir, slug)
    problems = list(files.problems)
    if files.values is None:
        return problems
    # Citations are checked against the sources only when every source could be read: a
    # source on a broken line would otherwise be reported as unknown where it is cited.
    sources = None if any(p.severity == "error" for p in files.source_problems) \
        else files.sources
    problems += _check_templates(files.directory, files.templates, sources,
                                 files.values["sources"])
    campaign = campaign_from_files(files)
    if campaign is None:
        return problems
    return (problems + _check_routing(campaign) + _check_addresses(campaign)
            + _check_office_holders(campaign, today or dt.date.today()))


def _check_addresses(campaign: Campaign) -> list[Problem]:
    """Warns about addresses nobody has checked against a source: embassies move, and a letter
    sent to an old address is lost without a word."""
    problems: list[Problem] = []
    path = campaign.directory / campaign.recipients_file
    for recipient in campaign.recipients.values():
        if not recipient.source_urls:
            problems.append(Problem(path, recipient.line, (
                f"recipient '{recipient.id}': no source_url; give the page the address was "
                "taken from"), "warning"))
        if not recipient.verified:
            problems.append(Problem(path, recipient.line, (
                f"recipient '{recipient.id}': address not verified (verified=no); check it "
                "against its source before sending, then set verified to yes"), "warning"))
    return problems


def _check_office_holders(campaign: Campaign, today: dt.date) -> list[Problem]:
    """Warns about a named office-holder whose term has ended or ends soon: letters dated after
    it leave the name out, and the salutation's translations may be for a man or a woman."""
    problems: list[Problem] = []
    path = campaign.directory / campaign.recipients_file
    for recipient in campaign.office_holders_to_check(today, TERM_ENDING_DAYS):
        until = recipient.in_office_until
        if today > until:
            state = (f"held office until {until.isoformat()}; letters dated later are addressed "
                     "to the office without a name")
        else:
            state = (f"holds office until {until.isoformat()} ({(until - today).days} days); "
                     "letters dated later are addressed to the office without a name")
        problems.append(Problem(path, recipient.line, (
            f"recipient '{recipient.id}': {recipient.addressee_name} {state}. Put the next "
            "office-holder in addressee_name and in_office_until, run campaign i18n extract "
            "and have their name translated, and check that the translations of the title "
            "and salutation suit them"), "warning"))
    return problems


def _check_templates(directory: Path, templates: list[str],
                     sources: Mapping[str, Source] | None, sources_file: str) -> list[Problem]:
    """Syntax errors and citations of the templates; citations only if ``sources`` is known."""
    problems: list[Problem] = []
    env = make_sandbox(directory)
    cited: set[str] = set()
    for name in templates:
        path = directory / name
        try:
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(not_utf8(path, exc))
            continue
        try:
            env.compile(source, name=name, filename=str(path))
            calls = cite_calls(env, source)
        except TemplateSyntaxError as exc:
            problems.append(Problem(path, exc.lineno, f"template error: {exc.message}"))
            continue
        if sources is None:
            continue
        for call in calls:
            if call.label not in LOCATOR_LABELS:
                # Printed as it is, untranslated, in every language ("bogus 3").
                problems.append(Problem(path, call.line, (
                    f"cite() label '{call.label}' is not one of {', '.join(LOCATOR_LABELS)}"
                    if call.label is not None else
                    "cite() needs its label as a literal string")))
            if call.key is None:
                problems.append(Problem(path, call.line,
                                        "cite() needs a source id as a literal string"))
            elif call.key not in sources:
                problems.append(Problem(path, call.line, f"unknown source '{call.key}' (not in "
                                                         f"{sources_file})"))
            else:
                cited.add(call.key)
    for source in (sources or {}).values():
        if source.id not in cited:
            problems.append(Problem(directory / sources_file, source.line,
                                    f"source '{source.id}' is never cited", "warning"))
    return problems


def _check_routing(campaign: Campaign) -> list[Problem]:
    """Each recipient gets exactly one letter, and every signer country resolves to a recipient
    that has one."""
    problems: list[Problem] = []
    recipients_path = campaign.directory / campaign.recipients_file
    campaign_path = campaign.directory / CAMPAIGN_FILE
    for recipient in campaign.recipients.values():
        letters = [lt.id for lt in campaign.letters if lt.addresses(recipient.id)]
        if not letters:
            problems.append(Problem(recipients_path, recipient.line,
                                    f"recipient '{recipient.id}' matches no letter's recipients"))
        elif len(letters) > 1:
            problems.append(Problem(recipients_path, recipient.line,
                                    f"recipient '{recipient.id}' matches several letters "
                                    f"({', '.join(letters)}); '{letters[0]}' is used", "warning"))
    for letter in campaign.letters:
        if not campaign.recipients_of(letter.id):
            problems.append(Problem(campaign_path, None,
                                    f"letter '{letter.id}' addresses no recipient", "warning"))
    unresolved = set()
    for code in sorted(country_codes()):
        try:
            recipient = campaign.default_recipient_for(code)
        except KeyError:
            unresolved.add(code)
            continue
        if campaign.letter_for(recipient.id) is None:
            unresolved.add(code)
    if unresolved:
        sample = ", ".join(sorted(unresolved)[:10])
        problems.append(Problem(campaign_path, None,
                                f"the default recipient rule gives no letter for {len(unresolved)} "
                                f"countries ({sample}…)"))
    return problems

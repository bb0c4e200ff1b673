"""Commands of this area, registered under ``campaign``: ``campaign letter render|batch``."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from flask.cli import AppGroup

from campaign.app_context import library
from campaign.content import Campaign, ContentError, ContentErrors
from campaign.letters import service
from campaign.letters.errors import LetterError
from campaign.letters.merge import SignerDetails, check_printable, validate_signer
from campaign.storage.csvfiles import CsvFileError, read_records, read_text
from campaign.storage.files import file_in_the_way, write_atomically

letter_group = AppGroup("letter", help="Render campaign letters to PDF.")

CSV_COLUMNS = ("name", "country", "city", "postcode", "message")
REQUIRED_COLUMNS = ("name", "country")


def _campaign(slug: str) -> Campaign:
    try:
        return library().get(slug)
    except KeyError as exc:
        raise click.BadParameter(f"no campaign '{slug}' under the letters folder",
                                 param_hint="--campaign") from exc
    except (ContentErrors, ContentError) as exc:
        raise click.BadParameter(f"cannot load campaign '{slug}': {exc}",
                                 param_hint="--campaign") from exc


def _check_output(output: Path, *, folder: bool = False) -> None:
    """Refuses, before anything is rendered, an output that cannot be written: one under a path
    that is a file (``afile/x.pdf``), or a folder that is a file."""
    place = file_in_the_way(output, folder=folder)
    if place is not None:
        raise click.BadParameter(f"{output}: {place} is a file, not a folder",
                                 param_hint="'-o' / '--output'")


def _warn_untranslated(campaign: Campaign, recipient: str, locale: str | None) -> None:
    plan = service.engine().plan(campaign, recipient, locale)
    missing = service.untranslated_strings(campaign, recipient, plan.locale)
    if missing:
        click.echo(f"WARNING: {len(missing)} string(s) of this letter are not translated into "
                   f"{plan.locale}; they are printed in {campaign.source_language}. First: "
                   f"{missing[0][:70]!r}", err=True)


@letter_group.command("render")
@click.option("--campaign", "slug", required=True, help="Campaign slug.")
@click.option("--recipient", required=True, help="Recipient id (recipients.csv).")
@click.option("--locale", default=None, help="Letter language (default: the recipient's).")
@click.option("--name", required=True, help="Signer's name.")
@click.option("--country", required=True, help="Signer's country (ISO code, e.g. KR).")
@click.option("--city", default="", help="Signer's city.")
@click.option("--postcode", default="", help="Signer's postal code.")
@click.option("--message-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Plain-text file with the signer's own paragraph(s).")
@click.option("--bilingual", default=None, help="Append a courtesy translation in this language.")
@click.option("--pdf-variant", default=None, help="e.g. pdf/ua-1, pdf/a-3u.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF to write.")
def render_command(slug, recipient, locale, name, country, city, postcode, message_file,
                   bilingual, pdf_variant, output):
    """Render one signer's letter to a PDF."""
    campaign = _campaign(slug)
    if output.suffix.lower() != ".pdf":
        # As for a mail merge: "-o letter.txt" would be a PDF under another name.
        raise click.BadParameter(f"{output}: give a file ending in .pdf",
                                 param_hint="'-o' / '--output'")
    _check_output(output)
    message = ""
    if message_file:
        try:
            message = read_text(message_file)
        except CsvFileError as exc:
            raise click.BadParameter(str(exc).replace("CSV UTF-8", "UTF-8 text"),
                                     param_hint="--message-file") from None
    signer = SignerDetails(name=name, country=country, city=city, postcode=postcode,
                           message=message)
    try:
        check_printable(signer)
        _warn_untranslated(campaign, recipient, locale)
        pdf = service.render_letter_pdf(campaign, recipient, signer, locale=locale,
                                        bilingual=bilingual, pdf_variant=pdf_variant)
        write_atomically(output, pdf)
    except LetterError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"{output}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {output} ({len(pdf) // 1024} KiB).")


def read_signers(path: Path, problems: list[str]) -> Iterator[SignerDetails]:
    """Valid rows of a signers CSV; each bad row adds ``FILE:LINE: message`` to ``problems``,
    the line being where the row starts (a message may run over several lines)."""
    try:
        records = read_records(path, read_text(path))
    except CsvFileError as exc:
        raise click.BadParameter(str(exc), param_hint="--signers") from None
    header = [h.strip().lower() for h in (records[0].cells if records else [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise click.BadParameter(f"{path}:1: the header has no column {', '.join(missing)} "
                                 f"(columns: {', '.join(CSV_COLUMNS)}; only name and country "
                                 "are required)", param_hint="--signers")
    for record in records[1:]:
        line = record.first_line
        if record.quote_left_open:
            problems.append(f"{path}:{line}: a quote is left open: lines {line}–"
                            f"{record.last_line} were read as one row")
            continue
        if any(cell.strip() for cell in record.cells[len(header):]):
            problems.append(f"{path}:{line}: too many fields")
            continue
        row = dict(zip(header, record.cells, strict=False))
        values = {k: (row.get(k) or "").strip() for k in CSV_COLUMNS}
        try:
            signer = check_printable(validate_signer(SignerDetails(**values)))
        except LetterError as exc:
            problems.append(f"{path}:{line}: {exc}")
            continue
        yield signer


@letter_group.command("batch")
@click.option("--campaign", "slug", required=True, help="Campaign slug.")
@click.option("--recipient", required=True, help="Recipient id (recipients.csv).")
@click.option("--locale", default=None, help="Letter language (default: the recipient's).")
@click.option("--signers", "signers_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="CSV (UTF-8) with columns name, country, city, postcode, message.")
@click.option("--bilingual", default=None, help="Append a courtesy translation in this language.")
@click.option("-o", "--output", required=True,
              help="OUT.pdf for one PDF, or a folder (OUT/) for one PDF per signer.")
def batch_command(slug, recipient, locale, signers_file, bilingual, output):
    """Mail merge: one letter per CSV row, into one PDF or one PDF per signer."""
    campaign = _campaign(slug)
    one_file = output.lower().endswith(".pdf") and not output.endswith(("/", "\\"))
    if not one_file and not output.endswith(("/", "\\")):
        # A folder must say so: "-o b10.txt" is a typo more often than a folder's name.
        raise click.BadParameter(f"{output}: give a file ending in .pdf for one PDF, or a "
                                 "folder ending in / for one PDF per signer",
                                 param_hint="'-o' / '--output'")
    target = Path(output)
    _check_output(target, folder=not one_file)
    problems: list[str] = []
    signers = list(read_signers(signers_file, problems))
    for problem in problems:
        click.echo(problem, err=True)
    if not signers:
        raise click.ClickException(f"{signers_file}: no valid rows, nothing rendered")
    show = sys.stderr.isatty()
    removed = 0
    try:
        _warn_untranslated(campaign, recipient, locale)
        with click.progressbar(length=len(signers), label="Rendering letters",
                               file=sys.stderr if show else io.StringIO()) as bar:
            if one_file:
                service.write_batch_pdf(campaign, recipient, signers, target, locale=locale,
                                        bilingual=bilingual, progress=bar.update)
            else:
                update = service.render_batch_files(campaign, recipient, signers, target,
                                                    locale=locale, bilingual=bilingual,
                                                    progress=bar.update)
                removed = len(update.removed)
    except LetterError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        # A letter in the folder may be the one at fault: name it rather than the folder.
        raise click.ClickException(f"{exc.filename or output}: {exc.strerror or exc}") from exc
    where = f"{target}" if one_file else f"{target}/ ({len(signers)} files)"
    if removed:
        where += f"; removed {removed} letter file(s) of an earlier batch"
    click.echo(f"Rendered {len(signers)} letter(s) to {where}; skipped {len(problems)} bad "
               f"row(s).")
    if problems:
        # The good rows are rendered; the exit status still tells a script that some were not.
        sys.exit(1)


commands: list[click.Command] = [letter_group]

"""``campaign users …``, ``campaign packet``, ``campaign signatures export|import`` and
``campaign jobs …``."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from campaign import jobs
from campaign.app_context import database, library
from campaign.jobs.models import DONE
from campaign.organizer import accounts
from campaign.organizer.exports import ExportError
from campaign.organizer.imports import PaperImportError, import_paper_signatures
from campaign.organizer.models import ROLES
from campaign.storage.files import file_in_the_way


def _campaign(slug: str):
    try:
        return library().get(slug)
    except KeyError:
        raise click.BadParameter(f"no campaign '{slug}' under letters/",
                                 param_hint="--campaign") from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


# --- users --------------------------------------------------------------------------------------

@click.group("users", cls=AppGroup)
def users_group() -> None:
    """Organizer accounts (admin, organizer, translator)."""


@users_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input (the first line).")
def users_add(email: str, role: str, password_stdin: bool) -> None:
    """Add an account; the password is asked for (twice), or read from standard input."""
    password = _read_password(password_stdin)
    try:
        with database().session() as session:
            user = accounts.add_user(session, email, role, password)
            click.echo(f"added {user.email} ({user.role})")
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None


@users_group.command("list")
def users_list() -> None:
    """List the accounts."""
    with database().session() as session:
        for user in accounts.list_users(session):
            last = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at \
                else "never"
            state = "" if user.active else " (inactive)"
            click.echo(f"{user.email}\t{user.role}\tlast login: {last}{state}")


@users_group.command("remove")
@click.argument("email")
def users_remove(email: str) -> None:
    """Remove an account (their sessions end at once)."""
    try:
        with database().session() as session:
            accounts.remove_user(session, email)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"removed {accounts.normalise_login(email)}")


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input (the first line).")
def users_set_password(email: str, password_stdin: bool) -> None:
    """Change an account's password (their other sessions end)."""
    password = _read_password(password_stdin)
    try:
        with database().session() as session:
            accounts.set_password(session, email, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password changed for {accounts.normalise_login(email)}")


# --- jobs run from the command line, with a progress bar -----------------------------------------

def _run_with_bar(kind: str, params: dict, slug: str, label: str, about: str | None = None):
    # Off a terminal (a log, cron) the bar would be its bare label, glued to the next output:
    # the command's own result line says what was done.
    shown = sys.stderr if sys.stderr.isatty() else io.StringIO()
    with click.progressbar(length=1, label=label, show_pos=True, file=shown) as bar:
        def on_progress(done: int, total: int) -> None:
            if total and bar.length != total:
                bar.length = total
            bar.update(done - bar.pos)

        job = jobs.run_inline(kind, params, campaign_slug=slug, created_by="cli",
                              on_progress=on_progress)
    if job.status != DONE:
        message = job.error or job.status
        # Which of several packets failed, unless the message says so already (a file error
        # names the file, and the file its recipient).
        if about and about not in message:
            message = f"{about}: {message}"
        raise click.ClickException(message)
    return job


def _signatures(count: int) -> str:
    return f"{count:,} signature" + ("" if count == 1 else "s")


def _refuse_file_in_the_way(out: Path, *, folder: bool = False) -> None:
    """An output under a file (``afile/x.csv``) is refused before any work, as the letter
    commands refuse it."""
    place = file_in_the_way(out, folder=folder)
    if place is not None:
        raise click.BadParameter(f"{out}: {place} is a file, not a folder",
                                 param_hint="'-o' / '--out'")


@click.command("packet")
@click.option("--campaign", "slug", required=True, help="The campaign's slug.")
@click.option("--recipient", help="A recipient id (see recipients.csv).")
@click.option("--all", "all_recipients", is_flag=True, help="Every recipient of the campaign.")
@click.option("-o", "--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the files.")
@with_appcontext
def packet_command(slug: str, recipient: str | None, all_recipients: bool,
                   out_dir: Path) -> None:
    """Build delivery packets: RECIPIENT.pdf (cover letter, signatures, sources) and .csv."""
    campaign = _campaign(slug)
    if bool(recipient) == all_recipients:
        raise click.UsageError("give either --recipient ID or --all")
    _refuse_file_in_the_way(out_dir, folder=True)
    targets = list(campaign.recipients) if all_recipients else [recipient]
    if all_recipients:
        from campaign.organizer.jobkinds import recipients_with_signatures

        targets = recipients_with_signatures(campaign)
        skipped = len(campaign.recipients) - len(targets)
        if skipped:
            click.echo(f"{skipped} recipient(s) without confirmed signatures: no packet")
    for recipient_id in targets:
        if recipient_id not in campaign.recipients:
            raise click.BadParameter(
                f"no recipient '{recipient_id}' in {campaign.directory / campaign.recipients_file}",
                param_hint="--recipient")
    for recipient_id in targets:
        job = _run_with_bar("packet", {"campaign": slug, "recipient": recipient_id,
                                       "out_dir": str(out_dir.resolve())},
                            slug, recipient_id, about=recipient_id)
        summary = job.result.get("summary", {})
        click.echo(f"{job.output_path}: {_signatures(summary.get('signatures', 0))}, "
                   f"{summary.get('pages', 0)} pages")


# --- signatures export | import ----------------------------------------------------------------

@click.group("signatures", cls=AppGroup)
def signatures_group() -> None:
    """Export signatures; import paper signatures."""


# The file names an export may have, and the formats it then has. A name ending otherwise
# (.txt, none) takes --format, else CSV.
EXPORT_EXTENSIONS = {".csv": "csv", ".json": "json"}
# Endings of formats an export is not, and that a person may still expect (a spreadsheet, an
# archive): CSV written under such a name opens as garbage or not at all.
NOT_EXPORT_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers", ".tsv", ".tab", ".xml",
                         ".jsonl", ".ndjson", ".yaml", ".yml", ".parquet", ".pdf", ".html",
                         ".zip", ".gz")


def _export_format(out: Path, fmt: str | None) -> str:
    suffix = out.suffix.lower()
    if suffix in NOT_EXPORT_EXTENSIONS:
        raise click.BadParameter(f"{out}: campaign does not write {suffix} files; name it .csv "
                                 "(add --bom for Excel) or .json", param_hint="'-o' / '--out'")
    named = EXPORT_EXTENSIONS.get(suffix)
    if fmt and named and fmt != named:
        raise click.UsageError(f"-o {out} is a {named.upper()} file name but --format is {fmt}: "
                               f"leave --format out, or name the file {out.stem}.{fmt}")
    return fmt or named or "csv"


@signatures_group.command("export")
@click.option("--campaign", "slug", required=True)
@click.option("-o", "--out", "out", required=True, type=click.Path(dir_okay=False,
                                                                     path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help="Default: from the file's extension (.csv, .json), else csv.")
@click.option("--bom", is_flag=True, help="Start the CSV with a byte-order mark (for Excel).")
@click.option("--status", type=click.Choice(["confirmed", "all"]), default="confirmed",
              show_default=True, help="confirmed: the signatures that count; all: pending too.")
def signatures_export(slug: str, out: Path, fmt: str | None, bom: bool, status: str) -> None:
    """Write the campaign's signatures to a CSV or JSON file."""
    _campaign(slug)
    _refuse_file_in_the_way(out)
    fmt = _export_format(out, fmt)
    if bom and fmt != "csv":
        raise click.UsageError("--bom is for CSV files (Excel reads their UTF-8 by it); a JSON "
                               "file has none")
    try:
        job = _run_with_bar("export", {"campaign": slug, "format": fmt, "status": status,
                                       "bom": bom, "out": str(out.resolve())}, slug, "export")
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{out}: {_signatures(job.result.get('summary', {}).get('signatures', 0))}")


@signatures_group.command("import")
@click.option("--campaign", "slug", required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def signatures_import(slug: str, file: Path) -> None:
    """Add paper signatures from a CSV (columns name, email, country, city, date, show_name)."""
    campaign = _campaign(slug)
    try:
        report = import_paper_signatures(campaign, file)
    except PaperImportError as exc:
        raise click.ClickException(str(exc)) from None
    for line in report.lines(str(file)):
        click.echo(line, err=True)
    invalid = len(report.rejected) - report.duplicates
    click.echo(f"{file}: {report.added} added, {report.duplicates} signed already, "
               f"{invalid} rejected")
    if invalid:
        kept = f"the {report.added} valid row(s) were added" if report.added \
            else "no row was added"
        click.echo(f"{file}: {invalid} rejected row(s) not imported, {kept}; correct the "
                   "rejected rows and import the file again (rows added now will count as "
                   "signed already)", err=True)
        # As with letter batch: the good rows are in, the exit status tells a script that some
        # were not. A person who signed already is counted, so that alone is no failure.
        sys.exit(1)


# --- jobs ---------------------------------------------------------------------------------------

@click.group("jobs", cls=AppGroup)
def jobs_group() -> None:
    """Background jobs: list, show, wait for, resume."""


@jobs_group.command("list")
@click.option("--campaign", "slug", default=None, help="Only this campaign's jobs.")
def jobs_list(slug: str | None) -> None:
    """The 50 latest jobs, newest first."""
    found = jobs.recent_jobs(slug, limit=50)
    # A campaign whose folder has gone keeps its jobs: only a slug nothing knows is a typo.
    if slug is not None and not found and slug not in library().slugs():
        raise click.BadParameter(f"no campaign '{slug}' under letters/", param_hint="--campaign")
    for job in found:
        click.echo(f"{job.id}  {job.kind:<9} {job.status:<8} "
                   f"{job.progress_done}/{job.progress_total}  {job.campaign_slug or ''}")
    if not found:
        # On standard error, so that standard output stays one line per job for a script.
        click.echo(f"no jobs for campaign '{slug}'" if slug else "no jobs", err=True)


@jobs_group.command("show")
@click.argument("job_id")
def jobs_show(job_id: str) -> None:
    """A job's kind, status, progress, output and error."""
    job = jobs.get_job(job_id)
    if job is None:
        raise click.ClickException(f"no job {job_id}")
    for label, value in (("kind", job.kind), ("status", job.status),
                         ("progress", f"{job.progress_done}/{job.progress_total}"),
                         ("attempts", job.attempts), ("output", job.output_path or ""),
                         ("error", job.error or "")):
        click.echo(f"{label}: {value}")


@jobs_group.command("wait")
@click.argument("job_id")
@click.option("--timeout", default=3600.0, show_default=True,
              help="Seconds to wait before giving up (the job goes on).")
def jobs_wait(job_id: str, timeout: float) -> None:
    """Show a job's progress bar until it ends (it runs in a worker)."""
    import time

    job = jobs.get_job(job_id)
    if job is None:
        raise click.ClickException(f"no job {job_id}")
    deadline = time.monotonic() + timeout
    with click.progressbar(length=max(job.progress_total, 1), label=job.kind,
                           file=sys.stderr if sys.stderr.isatty() else io.StringIO()) as bar:
        while job.status not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.5)
            job = jobs.get_job(job_id)
            bar.length = max(job.progress_total, 1)
            bar.update(job.progress_done - bar.pos)
    click.echo(f"{job.status}: {job.output_path or job.error or ''}")
    if job.status != "done":
        sys.exit(1)


@jobs_group.command("resume")
def jobs_resume() -> None:
    """Queue again the jobs whose worker died, and run them: the Celery workers do, or, with the
    in-process backend, this command does, one queued job after the other."""
    requeued = jobs.resume_interrupted()
    click.echo(f"{len(requeued)} interrupted job(s) queued again")
    if not jobs.runs_in_process():
        return
    failed = 0
    for job in jobs.run_queued():
        if job.status == DONE:
            click.echo(f"{job.id}  {job.kind}: done  {job.output_path or ''}".rstrip())
        else:
            failed += 1
            click.echo(f"{job.id}  {job.kind}: failed: {job.error}", err=True)
    if failed:
        raise click.ClickException(f"{failed} job(s) failed")


commands: list[click.Command] = [users_group, packet_command, signatures_group, jobs_group]

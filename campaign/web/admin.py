"""The organizer pages under /admin/: login, the campaign dashboard, packets, mail merges,
exports, the delivery log and job downloads.

Deny by default: ``guard`` refuses every endpoint of this blueprint that ``access.ALLOWED`` does
not open to the user's role (anonymous → the login page, wrong role → 403).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from campaign import jobs
from campaign.app_context import database, library
from campaign.content.errors import ContentErrors
from campaign.extensions import limiter
from campaign.jobs.models import ACTIVE, DONE
from campaign.organizer import access, accounts, charts, service
from campaign.organizer.access import EVERY_ROLE, STAFF, allow
from campaign.organizer.forms import (
    AddUserForm,
    DeliveryForm,
    LoginForm,
    NewPasswordForm,
    RemoveDeliveryForm,
    RemoveUserForm,
    method_choices,
)
from campaign.organizer.models import ADMIN, User

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Row ids are 32-bit integers in PostgreSQL: a larger number in an address is a page that is not
# there (404), not a database error.
ROW_ID = "int(max=2147483647)"


@bp.record_once
def _register_delivery_summary(state) -> None:
    """The public petition page shows "Delivered to N of M recipients" through this provider."""

    def provider(slug: str):
        try:
            campaign = library().get(slug)
        except (KeyError, ContentErrors):
            return None
        with database().session() as db:
            summary = service.delivery_summary(db, campaign)
        return summary if summary.delivered else None

    state.app.extensions.setdefault("campaign.delivery_summary", provider)


@bp.before_app_request
def _start_jobs() -> None:
    # The job backend starts with the first request: jobs a crashed process left running are
    # queued again and the queue is picked up.
    if not current_app.testing or current_app.config.get("JOBS_AUTOSTART"):
        jobs.backend()


@bp.before_request
def guard():
    if access.decide(request.endpoint) != access.OK:
        return access.login_or_forbidden()
    return None


@bp.context_processor
def _user():
    return {"current_user": access.current_user()}


def _campaign(slug: str):
    try:
        return library().get(slug)
    except KeyError:
        abort(404)
    except ContentErrors as exc:
        # Broken since the site started: the organizer sees what to fix rather than a 500.
        abort(make_response(render_template(
            "admin/content_errors.html", slug=slug, problems=_shown(exc.problems)), 503))


def _from_project(path: Path) -> Path:
    root = library().letters_dir.parent
    return path.relative_to(root) if path.is_relative_to(root) else path


def recipients_file(campaign) -> str:
    """The campaign's ``recipients.csv`` as an organizer finds it (``letters/<slug>/…``)."""
    return str(_from_project(campaign.directory / campaign.recipients_file))


def _shown(problems) -> list[str]:
    """Problems as ``file:line: message`` with the file named from the project folder, as an
    organizer opens it (``letters/<slug>/recipients.csv``)."""
    return [str(dataclasses.replace(p, path=_from_project(p.path))) for p in problems]


def _actor() -> str | None:
    user = access.current_user()
    return user.email if user else None


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or \
            parts.path.startswith("//"):
        return None
    return target


def _login_key() -> str:
    email = accounts.normalise_login(request.form.get("email", ""))
    return f"{request.remote_addr}|{email}"


# --- login and logout ---------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@allow(anonymous=True)
@limiter.limit("5/minute", key_func=_login_key, methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        with database().session() as db:
            user = accounts.authenticate(db, form.email.data, form.password.data)
            fingerprint = accounts.session_fingerprint(user) if user else None
            token = accounts.open_login_session(
                db, user, current_app.permanent_session_lifetime) if user else None
            user_id, role = (user.id, user.role) if user else (None, None)
        if user_id is not None:
            # A new session on login: nothing from before (a planted session) carries over.
            session.clear()
            session["user_id"] = user_id
            session["fingerprint"] = fingerprint
            session["login"] = token
            session.permanent = True
            target = _safe_next(request.args.get("next"))
            if target is None:
                target = url_for("admin.index")
            return redirect(target)
        error = _("The email or password is wrong.")
    elif request.method == "POST":
        error = _("The email or password is wrong.")
    return render_template("admin/login.html", form=form, error=error), 200 if not error else 401


@bp.post("/logout")
@allow(anonymous=True)
def logout():
    # Ended on the server too: a copy of the cookie (another tab, a stolen one) is refused.
    with database().session() as db:
        accounts.end_login_session(db, session.get("login"))
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("admin.login"))


# --- accounts (admins only) --------------------------------------------------------------------

def _users_page(add_form: AddUserForm | None = None, status: int = 200):
    with database().session() as db:
        users = [{"id": u.id, "email": u.email, "role": u.role, "active": u.active,
                  "created_at": u.created_at, "last_login_at": u.last_login_at}
                 for u in accounts.list_users(db)]
    return render_template("admin/users.html", users=users, add_form=add_form or AddUserForm(),
                           password_form=NewPasswordForm(), remove_form=RemoveUserForm(),
                           me=access.current_user().id), status


def _user_or_404(db, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@allow(ADMIN)
def users():
    return _users_page()


@bp.post("/users")
@allow(ADMIN)
def add_user():
    form = AddUserForm()
    if not form.validate():
        return _users_page(form, 400)
    try:
        with database().session() as db:
            user = accounts.add_user(db, form.email.data, form.role.data, form.password.data)
            email = user.email
    except accounts.AccountError as exc:
        form.email.errors = [*form.email.errors, str(exc)]
        return _users_page(form, 400)
    current_app.logger.info("account %s added by %s", email, _actor())
    flash(_("%(email)s can now log in.", email=email), "info")
    return redirect(url_for("admin.users"))


@bp.post(f"/users/<{ROW_ID}:user_id>/password")
@allow(ADMIN)
def set_user_password(user_id: int):
    form = NewPasswordForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("admin.users"))
    try:
        with database().session() as db:
            user = _user_or_404(db, user_id)
            accounts.set_password(db, user.email, form.password.data)
            email = user.email
    except accounts.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.users"))
    current_app.logger.info("password of %s changed by %s", email, _actor())
    flash(_("The password of %(email)s is changed; their other sessions have ended.",
            email=email), "info")
    return redirect(url_for("admin.users"))


@bp.post(f"/users/<{ROW_ID}:user_id>/remove")
@allow(ADMIN)
def remove_user(user_id: int):
    form = RemoveUserForm()
    if not form.validate():
        abort(400)
    if user_id == access.current_user().id:
        flash(_("You cannot remove your own account."), "error")
        return redirect(url_for("admin.users"))
    if form.confirmed.data != "yes":
        # Asked in the browser when scripts run; without them, on a page of its own.
        with database().session() as db:
            email = _user_or_404(db, user_id).email
        return render_template(
            "admin/confirm_removal.html", heading=_("Accounts"), remove_form=form,
            question=_("Remove %(email)s? They will no longer be able to log in.", email=email),
            action=url_for("admin.remove_user", user_id=user_id), back=url_for("admin.users"))
    try:
        with database().session() as db:
            email = _user_or_404(db, user_id).email
            accounts.remove_user(db, email)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.users"))
    current_app.logger.info("account %s removed by %s", email, _actor())
    flash(_("%(email)s can no longer log in.", email=email), "info")
    return redirect(url_for("admin.users"))


# --- campaign picker and dashboard --------------------------------------------------------------

@bp.get("/")
@allow(*EVERY_ROLE)
def index():
    campaigns = []
    if access.has_role(*STAFF):
        for slug in library().slugs():
            try:
                campaign = library().get(slug)
            except KeyError:
                continue
            except ContentErrors:
                campaign = None
            campaigns.append({"slug": slug, "campaign": campaign,
                              "problems": _shown(library().problems(slug))})
    translate_url = None
    if access.has_role("admin", "translator"):
        for rule in current_app.url_map.iter_rules():
            if rule.endpoint.startswith("translate.") and not rule.arguments and \
                    "GET" in (rule.methods or ()):
                translate_url = rule.rule
                break
    return render_template("admin/index.html", campaigns=campaigns, translate_url=translate_url)


@bp.get("/c/<slug>/")
@allow(*STAFF)
def dashboard(slug: str):
    return _dashboard_page(_campaign(slug))


def _recipient_choices(campaign) -> list[tuple[str, str]]:
    # The id first: the names of the embassies differ only at their end, which a narrow
    # dropdown cuts off.
    return [(r.id, f"{r.id} · {r.name}") for r in campaign.recipients.values()]


def _dashboard_page(campaign, form: DeliveryForm | None = None, status: int = 200):
    slug = campaign.slug
    locale = str(get_locale() or "en")
    data = service.dashboard(campaign, locale=locale)
    recent = jobs.recent_jobs(slug, limit=25)
    latest_packet = {}
    for job in recent:
        if job.kind == "packet" and job.status == DONE:
            latest_packet.setdefault(job.params.get("recipient"), job)
    by_whom = service.user_emails({d.user_id for r in data.recipients for d in r.deliveries
                                   if d.user_id})
    if form is None:
        form = DeliveryForm(formdata=None)
        form.recipient.choices = _recipient_choices(campaign)
    today = dt.date.today()
    return render_template(
        "admin/dashboard.html", campaign=campaign, data=data,
        problems=_shown(library().problems(slug)), recipients_file=recipients_file(campaign),
        office_holders=campaign.office_holders_to_check(today), today=today,
        per_day=charts.column_chart([(d[5:], n) for d, n in data.per_day]),
        by_country=charts.row_chart([(name, n) for _code, name, n in data.by_country[:15]]),
        jobs=recent, latest_packet=latest_packet, by_whom=by_whom, form=form,
        any_active=any(j.status in ACTIVE for j in recent),
        methods={value: str(label) for value, label in method_choices()}), status


@bp.post("/c/<slug>/packets")
@allow(*STAFF)
def build_packets(slug: str):
    campaign = _campaign(slug)
    recipient = request.form.get("recipient") or None
    try:
        job_id = service.request_packet(campaign, recipient, by=_actor())
    except service.OrganizerError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.dashboard", slug=slug))
    flash(_("The packet is being built."), "info")
    return redirect(url_for("admin.job", job_id=job_id))


@bp.post("/c/<slug>/mail-merge")
@allow(*STAFF)
def mail_merge(slug: str):
    campaign = _campaign(slug)
    try:
        job_id = service.request_mail_merge(campaign, request.form.get("recipient", ""),
                                            request.form.get("format", "pdf"), by=_actor())
    except service.OrganizerError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.dashboard", slug=slug))
    return redirect(url_for("admin.job", job_id=job_id))


@bp.post("/c/<slug>/export")
@allow(*STAFF)
def export(slug: str):
    campaign = _campaign(slug)
    try:
        job_id = service.request_export(campaign, fmt=request.form.get("format", "csv"),
                                        bom=request.form.get("bom") == "1", by=_actor())
    except service.OrganizerError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.dashboard", slug=slug))
    return redirect(url_for("admin.job", job_id=job_id))


@bp.post("/c/<slug>/deliveries")
@allow(*STAFF)
def add_delivery(slug: str):
    campaign = _campaign(slug)
    form = DeliveryForm()
    form.recipient.choices = _recipient_choices(campaign)
    valid = form.validate_on_submit()
    if form.delivered_on.data and not form.delivered_on.errors:
        problem = service.delivery_date_problem(campaign, form.delivered_on.data)
        if problem:
            form.delivered_on.errors = [*form.delivered_on.errors, problem]
            valid = False
    if not valid:
        # The page again with each error beside its field and what was typed kept.
        return _dashboard_page(campaign, form, 400)
    upload = form.receipt.data
    receipt = None
    if upload and getattr(upload, "filename", ""):
        limit = int(current_app.config.get("RECEIPT_MAX_BYTES", service.DEFAULT_RECEIPT_MAX))
        receipt = upload.stream.read(limit + 1)
    user = access.current_user()
    try:
        service.record_delivery(campaign, recipient_id=form.recipient.data,
                                delivered_on=form.delivered_on.data, method=form.method.data,
                                user_id=user.id if user else None, note=form.note.data or "",
                                receipt=receipt)
    except service.OrganizerError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.dashboard", slug=slug) + "#deliveries"), 303
    flash(_("The delivery is recorded."), "info")
    return redirect(url_for("admin.dashboard", slug=slug) + "#deliveries")


@bp.post(f"/c/<slug>/deliveries/<{ROW_ID}:delivery_id>/remove")
@allow(*STAFF)
def remove_delivery(slug: str, delivery_id: int):
    campaign = _campaign(slug)
    form = RemoveDeliveryForm()
    if not form.validate():
        abort(400)
    user = access.current_user()
    try:
        if form.confirmed.data != "yes":
            # Asked in the browser when scripts run; without them, on a page of its own.
            recipient_id, delivered_on = service.delivery_to_remove(campaign, delivery_id)
            return render_template(
                "admin/confirm_removal.html", heading=_("Delivery log"), remove_form=form,
                question=_("Remove the delivery to %(recipient)s on %(date)s from the log?",
                           recipient=recipient_id, date=delivered_on.isoformat()),
                action=url_for("admin.remove_delivery", slug=slug, delivery_id=delivery_id),
                back=url_for("admin.dashboard", slug=slug) + "#deliveries")
        recipient_id = service.remove_delivery(campaign, delivery_id,
                                               user_id=user.id if user else None)
    except service.OrganizerError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.dashboard", slug=slug) + "#deliveries")
    current_app.logger.info("delivery %s to %s removed by %s", delivery_id, recipient_id,
                            _actor())
    flash(_("The delivery to %(recipient)s is removed.", recipient=recipient_id), "info")
    return redirect(url_for("admin.dashboard", slug=slug) + "#deliveries")


@bp.get(f"/c/<slug>/deliveries/<{ROW_ID}:delivery_id>/receipt")
@allow(*STAFF)
def receipt(slug: str, delivery_id: int):
    found = service.delivery_receipt(_campaign(slug), delivery_id)
    if found is None:
        abort(404)
    path, content_type = found
    return send_file(path, mimetype=content_type, as_attachment=True,
                     download_name=f"receipt-{delivery_id}{path.suffix}")


# --- jobs ---------------------------------------------------------------------------------------

def _job_or_404(job_id: str):
    job = jobs.get_job(job_id)
    if job is None:
        abort(404)
    return job


def _job_json(job) -> dict:
    return {"id": job.id, "kind": job.kind, "status": job.status, "percent": job.percent,
            "done": job.progress_done, "total": job.progress_total,
            "error": job.error if job.status == "failed" else None,
            "files": [url_for("admin.download", job_id=job.id, index=i)
                      for i in range(len(job.files))] if job.status == DONE else []}


@bp.get("/jobs/<job_id>")
@allow(*STAFF)
def job(job_id: str):
    found = _job_or_404(job_id)
    return render_template("admin/job.html", job=found,
                           names=[Path(f).name for f in found.files])


@bp.get("/jobs/<job_id>.json")
@allow(*STAFF)
def job_status(job_id: str):
    return jsonify(_job_json(_job_or_404(job_id)))


@bp.get("/c/<slug>/jobs.json")
@allow(*STAFF)
def jobs_status(slug: str):
    _campaign(slug)
    return jsonify([_job_json(j) for j in jobs.recent_jobs(slug, limit=25)])


@bp.get("/jobs/<job_id>/files/<int:index>")
@allow(*STAFF)
def download(job_id: str, index: int):
    found = _job_or_404(job_id)
    # Only a finished job's files: while a job runs, its output may be about to be replaced.
    if found.status != DONE or index >= len(found.files):
        abort(404)
    path = Path(found.files[index])
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name)

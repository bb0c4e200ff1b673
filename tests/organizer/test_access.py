"""Accounts, login and deny-by-default on every /admin endpoint."""

from __future__ import annotations

import re

import pytest

from campaign.organizer.access import ALLOWED

from .conftest import PASSWORD


def _admin_urls(app) -> list[tuple[str, str, str]]:
    """Every /admin rule in the app's URL map, with placeholder arguments filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>",
                     lambda m: "1" if m.group(0).startswith("<int") else "x", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def test_admin_urls_anonymous_are_sent_to_login(app, client):
    urls = _admin_urls(app)
    assert len(urls) > 8
    for endpoint, method, url in urls:
        if ALLOWED.get(endpoint, ()) is None:  # the login page and logout
            continue
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method, url)
        assert "/admin/login" in response.headers["Location"], (endpoint, url)


def test_admin_urls_translator_is_refused_staff_pages(app, client, add_user, login):
    add_user("tr@example.org", "translator")
    login(client, "tr@example.org")
    for endpoint, method, url in _admin_urls(app):
        roles = ALLOWED.get(endpoint, frozenset())
        if roles is None or "translator" in roles:
            continue
        assert client.open(url, method=method).status_code == 403, (endpoint, method, url)


def test_endpoint_missing_from_allow_list_is_refused_even_for_admin(app, client, add_user,
                                                                   login):
    from flask import session

    from campaign.organizer.access import FORBIDDEN, LOGIN, decide

    add_user("root@example.org", "admin")
    login(client, "root@example.org")
    with client.session_transaction() as saved:
        values = dict(saved)
    with app.test_request_context("/admin/"):
        assert decide("admin.some_new_page") == LOGIN
    with app.test_request_context("/admin/"):
        session.update(values)
        assert decide("admin.some_new_page") == FORBIDDEN


def test_login_with_right_password_opens_dashboard(organizer_client):
    response = organizer_client.get("/admin/c/stop-forced-repatriation/")
    assert response.status_code == 200
    assert b"Stop the forced repatriation" in response.data


def test_login_with_wrong_password_gives_generic_error(client, add_user, login):
    add_user()
    response = login(client, password="wrong password!!")
    assert response.status_code == 401
    assert b"The email or password is wrong." in response.data


def test_login_with_unknown_email_gives_same_error(client, add_user, login):
    add_user()
    response = login(client, email="nobody@example.org")
    assert response.status_code == 401
    assert b"The email or password is wrong." in response.data


def test_login_session_is_permanent_with_configured_lifetime(make_app, add_user, login):
    app = make_app(SESSION_LIFETIME=1234)
    assert app.permanent_session_lifetime.total_seconds() == 1234


def test_login_rotates_session(client, add_user, login):
    add_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.permanent


def test_password_change_ends_open_sessions(app, organizer_client):
    from campaign.organizer import accounts

    with app.app_context(), app.extensions["campaign.db"].session() as session:
        accounts.set_password(session, "org@example.org", "another long password")
    response = organizer_client.get("/admin/c/stop-forced-repatriation/")
    assert response.status_code == 302


def test_logout_ends_session(organizer_client):
    organizer_client.post("/admin/logout")
    assert organizer_client.get("/admin/").status_code == 302


def test_logout_refuses_a_copy_of_the_session_cookie(app, organizer_client):
    with organizer_client.session_transaction() as saved:
        copied = dict(saved)
    organizer_client.post("/admin/logout")
    other = app.test_client()
    with other.session_transaction() as session:
        session.update(copied)
    assert other.get("/admin/").status_code == 302


def test_logout_keeps_the_users_other_logins(app, client, add_user, login):
    add_user()
    login(client)
    laptop = app.test_client()
    login(laptop)
    client.post("/admin/logout")
    assert laptop.get("/admin/c/stop-forced-repatriation/").status_code == 200


def test_removed_user_session_is_refused(app, organizer_client, add_user):
    from campaign.organizer import accounts

    add_user("root@example.org", "admin")
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        accounts.remove_user(session, "org@example.org")
    assert organizer_client.get("/admin/").status_code == 302


def test_login_rate_limit_refuses_sixth_attempt(make_app, add_user):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        from campaign.organizer import accounts

        accounts.add_user(session, "org@example.org", "organizer", PASSWORD)
    codes = [client.post("/admin/login", data={"email": "org@example.org",
                                               "password": "wrong password!!"}).status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429


def test_login_form_requires_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/admin/login", data={"email": "a@b.org",
                                                            "password": "x" * 12})
    assert response.status_code == 400


@pytest.mark.parametrize("role,status", [("organizer", 200), ("admin", 200)])
def test_dashboard_open_to_staff(client, add_user, login, role, status):
    add_user("someone@example.org", role)
    login(client, "someone@example.org")
    assert client.get("/admin/c/stop-forced-repatriation/").status_code == status


def test_letters_preview_gate_follows_roles(app, client, add_user, login):
    from campaign.web.letters import preview_allowed

    with app.test_request_context("/"):
        assert not preview_allowed()
    add_user("tr@example.org", "translator")
    login(client, "tr@example.org")
    with client.session_transaction() as saved:
        values = dict(saved)
    with app.test_request_context("/"):
        from flask import session

        session.update(values)
        assert preview_allowed()


def test_translator_gate_refuses_organizer(app, client, add_user, login):
    from campaign.web.translate import translator_allowed

    add_user("org2@example.org", "organizer")
    login(client, "org2@example.org")
    with client.session_transaction() as saved:
        values = dict(saved)
    with app.test_request_context("/"):
        from flask import session

        session.update(values)
        assert not translator_allowed()


def test_preview_open_config_still_opens_previews(make_app):
    app = make_app(PREVIEW_OPEN=True)
    from campaign.web.letters import preview_allowed

    with app.test_request_context("/"):
        assert preview_allowed()


def test_translator_pages_are_refused_to_organizer(organizer_client):
    assert organizer_client.get("/translate/").status_code == 403


def test_login_brings_a_translator_back_to_the_page_asked_for(app, client, add_user, login):
    add_user("tr@example.org", "translator")
    asked = client.get("/translate/ko/")
    response = client.post(asked.location, data={"email": "tr@example.org",
                                                 "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/translate/ko/"


def _age_logins(app, *, hours: float, seen: bool) -> None:
    import datetime as dt

    from campaign.organizer.models import LoginSession

    with app.app_context(), app.extensions["campaign.db"].session() as session:
        for login in session.query(LoginSession):
            login.created_at -= dt.timedelta(hours=hours)
            if seen:
                login.last_seen_at -= dt.timedelta(hours=hours)


def test_login_in_use_longer_than_the_lifetime_survives_anothers_login(make_app, add_user,
                                                                       login):
    app = make_app(SESSION_LIFETIME=3600)
    first, second = app.test_client(), app.test_client()
    add_user("org@example.org", "organizer")
    login(first)
    _age_logins(app, hours=3, seen=False)  # logged in three hours ago, busy since
    login(second)
    assert first.get("/admin/c/stop-forced-repatriation/").status_code == 200


def test_login_idle_longer_than_the_lifetime_is_refused(make_app, add_user, login):
    app = make_app(SESSION_LIFETIME=3600)
    client = app.test_client()
    add_user("org@example.org", "organizer")
    login(client)
    _age_logins(app, hours=2, seen=True)
    assert client.get("/admin/").status_code == 302

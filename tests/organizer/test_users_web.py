"""The accounts page: admins add and remove accounts and set passwords from the web."""

from __future__ import annotations

import pytest

from campaign.organizer import accounts

from .conftest import PASSWORD

NEW_PASSWORD = "a different long password"


@pytest.fixture
def admin_client(app, client, add_user, login):
    add_user("root@example.org", "admin")
    assert login(client, "root@example.org").status_code == 302
    return client


def _new_account(**values) -> dict:
    return {"email": "new@example.org", "role": "organizer", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, **values}


def _emails(app) -> list[str]:
    with app.app_context(), app.extensions["campaign.db"].session() as db:
        return [u.email for u in accounts.list_users(db)]


def test_users_page_lists_accounts_for_admin(admin_client, add_user):
    add_user("org@example.org", "organizer")
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "org@example.org" in page and "root@example.org" in page


def test_users_page_is_refused_to_organizer(organizer_client):
    assert organizer_client.get("/admin/users").status_code == 403


def test_campaign_list_links_accounts_for_admin(admin_client):
    assert "/admin/users" in admin_client.get("/admin/").get_data(as_text=True)


def test_add_account_lets_the_person_log_in(app, admin_client, login):
    response = admin_client.post("/admin/users", data=_new_account())
    assert response.status_code == 302
    other = app.test_client()
    assert login(other, "new@example.org", NEW_PASSWORD).status_code == 302


def test_add_account_with_short_password_shows_error_and_adds_nothing(app, admin_client):
    response = admin_client.post("/admin/users",
                                 data=_new_account(password="short", confirm="short"))
    assert response.status_code == 400
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert "new@example.org" not in _emails(app)


def test_add_account_with_differing_passwords_is_refused(app, admin_client):
    response = admin_client.post("/admin/users", data=_new_account(confirm=NEW_PASSWORD + "x"))
    assert response.status_code == 400
    assert "The two passwords differ." in response.get_data(as_text=True)
    assert "new@example.org" not in _emails(app)


def test_add_account_twice_names_the_existing_one(admin_client):
    admin_client.post("/admin/users", data=_new_account())
    response = admin_client.post("/admin/users", data=_new_account(email="NEW@example.org"))
    assert response.status_code == 400
    assert "exists already" in response.get_data(as_text=True)


def test_add_account_keeps_typed_values_but_not_passwords(admin_client):
    page = admin_client.post("/admin/users", data=_new_account(password="short",
                                                              confirm="short"))
    text = page.get_data(as_text=True)
    assert 'value="new@example.org"' in text and 'value="short"' not in text


def test_remove_account_ends_its_session(app, admin_client, add_user, login):
    user_id = add_user("org@example.org", "organizer")
    other = app.test_client()
    login(other, "org@example.org")
    assert admin_client.post(f"/admin/users/{user_id}/remove",
                             data={"confirmed": "yes"}).status_code == 302
    assert "org@example.org" not in _emails(app)
    assert other.get("/admin/").status_code == 302  # back to the login page


def test_admin_cannot_remove_own_account(app, admin_client):
    with app.app_context(), app.extensions["campaign.db"].session() as db:
        me = accounts.find_user(db, "root@example.org").id
    admin_client.post(f"/admin/users/{me}/remove", data={"confirmed": "yes"})
    assert "root@example.org" in _emails(app)


def test_last_admin_cannot_be_removed(app, add_user):
    add_user("root@example.org", "admin")
    with app.app_context(), app.extensions["campaign.db"].session() as db, \
            pytest.raises(accounts.AccountError, match="last admin"):
        accounts.remove_user(db, "root@example.org")


def test_remove_unknown_account_is_404(admin_client):
    assert admin_client.post("/admin/users/9999/remove",
                             data={"confirmed": "yes"}).status_code == 404


def test_set_password_replaces_the_old_one(app, admin_client, add_user, login):
    user_id = add_user("org@example.org", "organizer")
    response = admin_client.post(f"/admin/users/{user_id}/password",
                                 data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert login(app.test_client(), "org@example.org", PASSWORD).status_code == 401
    assert login(app.test_client(), "org@example.org", NEW_PASSWORD).status_code == 302


def test_set_short_password_is_refused(app, admin_client, add_user, login):
    user_id = add_user("org@example.org", "organizer")
    admin_client.post(f"/admin/users/{user_id}/password",
                      data={"password": "short", "confirm": "short"})
    assert login(app.test_client(), "org@example.org", PASSWORD).status_code == 302


def test_add_account_requires_csrf_token(make_app, add_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context(), app.extensions["campaign.db"].session() as db:
        accounts.add_user(db, "root@example.org", "admin", PASSWORD)
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"email": "root@example.org", "password": PASSWORD,
                                      "csrf_token": token})
    assert client.post("/admin/users", data=_new_account()).status_code == 400


def test_add_account_form_offers_organizer_role_first(admin_client):
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert '<option selected value="organizer">' in page


def test_remove_button_asks_first_when_scripts_run(admin_client, add_user):
    add_user("org@example.org", "organizer")
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert 'data-confirm="Remove org@example.org? They will no longer be able to log in."' in page


def test_remove_without_confirmation_asks_on_a_page_and_keeps_the_account(app, admin_client,
                                                                         add_user):
    user_id = add_user("org@example.org", "organizer")
    response = admin_client.post(f"/admin/users/{user_id}/remove")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Remove org@example.org? They will no longer be able to log in." in page
    assert 'name="confirmed" value="yes"' in page
    assert "org@example.org" in _emails(app)



def test_set_password_of_spaces_is_refused(app, admin_client, add_user, login):
    user_id = add_user("org@example.org", "organizer")
    response = admin_client.post(f"/admin/users/{user_id}/password",
                                 data={"password": " " * 12, "confirm": " " * 12})
    assert response.status_code == 302
    assert login(app.test_client(), "org@example.org", PASSWORD).status_code == 302

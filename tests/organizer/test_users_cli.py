"""``campaign users …`` from the command line."""

from __future__ import annotations

from campaign.organizer import accounts


def test_users_add_reads_password_from_stdin(app, runner):
    result = runner.invoke(args=["users", "add", "Org@Example.org", "--role", "organizer",
                                 "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        user = accounts.authenticate(session, "org@example.org", "a long enough password")
        assert user is not None and user.role == "organizer"
        assert user.password_hash.startswith("scrypt:")


def test_users_add_short_password_fails_cleanly(runner):
    result = runner.invoke(args=["users", "add", "org@example.org", "--role", "admin",
                                 "--password-stdin"], input="short\n")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert "Traceback" not in result.output


def test_users_add_twice_is_refused(runner):
    args = ["users", "add", "org@example.org", "--role", "admin", "--password-stdin"]
    runner.invoke(args=args, input="a long enough password\n")
    result = runner.invoke(args=args, input="a long enough password\n")
    assert result.exit_code != 0
    assert "exists already" in result.output


def test_users_list_and_remove(runner):
    runner.invoke(args=["users", "add", "tr@example.org", "--role", "translator",
                        "--password-stdin"], input="a long enough password\n")
    assert "tr@example.org\ttranslator" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "remove", "tr@example.org"]).exit_code == 0
    assert "tr@example.org" not in runner.invoke(args=["users", "list"]).output


def test_users_set_password_changes_login(app, runner):
    runner.invoke(args=["users", "add", "a@example.org", "--role", "admin", "--password-stdin"],
                  input="first long password\n")
    result = runner.invoke(args=["users", "set-password", "a@example.org", "--password-stdin"],
                           input="second long password\n")
    assert result.exit_code == 0
    with app.app_context(), app.extensions["campaign.db"].session() as session:
        assert accounts.authenticate(session, "a@example.org", "first long password") is None
        assert accounts.authenticate(session, "a@example.org", "second long password")

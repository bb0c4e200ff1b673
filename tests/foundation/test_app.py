"""The app factory and its configuration."""

from __future__ import annotations

import logging
import stat

import pytest

from campaign import create_app, settings


def test_secret_key_generated_once_in_instance_folder(tmp_path, sqlite_url):
    config = {"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": sqlite_url}
    first = create_app(dict(config)).config["SECRET_KEY"]
    second = create_app(dict(config)).config["SECRET_KEY"]
    key_file = tmp_path / "instance" / "secret_key"
    assert first == second
    assert len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_new_instance_folder_is_readable_by_its_owner_only(tmp_path, sqlite_url):
    create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": sqlite_url})
    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) == 0o700


def test_app_sending_email_without_base_url_refuses_to_start(tmp_path, sqlite_url):
    with pytest.raises(settings.ConfigError, match="CAMPAIGN_BASE_URL"):
        create_app({"INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": sqlite_url,
                    "SMTP_URL": "smtp://127.0.0.1:25"})


@pytest.mark.parametrize(("name", "value"), [
    ("SECRET_KEY", 123), ("SMTP_URL", "notaurl"), ("SMTP_URL", "smtp://host:port"),
    ("RATELIMIT_STORAGE_URI", "nonsense"), ("RATELIMIT_STORAGE_URI", "ftp://x")])
def test_setting_of_the_wrong_kind_stops_the_app_naming_it(tmp_path, sqlite_url, name, value):
    with pytest.raises(settings.ConfigError, match=f"^CAMPAIGN_{name}: "):
        create_app({"INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": sqlite_url,
                    "BASE_URL": "https://petition.example.org", name: value})


@pytest.mark.parametrize(("name", "value", "secret"), [
    ("SMTP_URL", "smtp://mailer:s3cr#tPass@mail.example.org:587", "s3cr#tPass"),
    ("RATELIMIT_STORAGE_URI", "nonsense://:hunter2@cache:6379", "hunter2"),
    ("SECRET_KEY", 731946285, "731946285")])
def test_setting_error_does_not_print_the_secret(tmp_path, sqlite_url, name, value, secret):
    with pytest.raises(settings.ConfigError) as error:
        create_app({"INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": sqlite_url,
                    "BASE_URL": "https://petition.example.org", name: value})
    assert secret not in str(error.value)


def test_secret_key_from_environment_wins(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_SECRET_KEY", "from-the-environment")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": sqlite_url})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "i" / "secret_key").exists()


def test_prefixed_environment_configures_letters_dir(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_LETTERS_DIR", str(tmp_path / "elsewhere"))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "DATABASE_URL": sqlite_url})
    assert app.config["LETTERS_DIR"] == str(tmp_path / "elsewhere")


def test_instance_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app()
    assert app.instance_path == str(tmp_path / "inst")
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'campaign.sqlite3'}"


def test_missing_hb_subset_is_warned_about(monkeypatch, caplog):
    monkeypatch.setattr(settings, "hb_subset_available", lambda: False)
    with caplog.at_level(logging.WARNING):
        settings.warn_if_slow_fonts()
    assert "libharfbuzz-subset is missing" in caplog.text


def test_hb_subset_is_installed_here():
    # The set-up installs libharfbuzz-subset0; without it letters render up to 70× slower.
    assert settings.hb_subset_available()


def test_unknown_page_shows_no_traceback(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Traceback" not in response.data


def test_unknown_page_is_explained_in_the_page_language(client):
    page = client.get("/ko/c/no-such-campaign/").get_data(as_text=True)
    assert "Not Found" not in page and "The requested URL" not in page
    assert "존재하지 않" in page


def test_count_api_of_unknown_campaign_answers_in_json(client):
    response = client.get("/api/v1/campaigns/no-such-campaign")
    assert response.status_code == 404
    assert response.is_json and "error" in response.get_json()


def test_favicon_address_leads_to_the_icon(client):
    response = client.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"

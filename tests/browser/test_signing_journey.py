"""A supporter signs in Chromium: sign, confirm from the outbox, download the letter, see the
count rise; axe-core finds no accessibility violations on the pages on the way."""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SLUG = "stop-forced-repatriation"


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]]


def confirmation_link(app) -> str:
    [eml] = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://\S+/confirm/\S+", text).group(0)


def count_on_page(page) -> int:
    return int(page.get_attribute("#count-number", "data-count"))


def test_sign_confirm_download_and_count(live_app, page, tmp_path, pdftotext):
    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/en/c/{SLUG}/")
    before = count_on_page(page)
    assert axe_violations(page) == []

    page.fill("#name", "Amélie Dupont")
    page.fill("#email", "amelie@example.org")
    page.select_option("#country", "FR")
    page.fill("#city", "Lyon")
    page.check("#consent")
    page.click("#sign-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/check-your-email(#sign)?$"))

    page.goto(confirmation_link(live_app))
    assert axe_violations(page) == []
    page.click("#confirm-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/thanks$"))
    assert "Amélie Dupont" in page.inner_text("h1")
    assert axe_violations(page) == []

    with page.expect_download() as download_info:
        page.click("#letter-link")
    pdf = tmp_path / "letter.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Amélie Dupont" in text

    page.goto(f"{base}/en/c/{SLUG}/")
    assert count_on_page(page) == before + 1


def test_sign_form_error_is_announced_beside_field(live_app, page):
    page.goto(f"{live_app.config['LIVE_URL']}/en/c/{SLUG}/")
    page.fill("#name", "=HYPERLINK(\"x\")")
    page.fill("#email", "someone@example.org")
    page.select_option("#country", "KR")
    page.check("#consent")
    page.click("#sign-form button[type=submit]")
    assert page.get_attribute("#name", "aria-invalid") == "true"
    assert "name-error" in page.get_attribute("#name", "aria-describedby")
    assert page.input_value("#email") == "someone@example.org"
    assert axe_violations(page) == []


def test_sign_form_error_takes_focus_to_the_first_invalid_field(live_app, page):
    page.goto(f"{live_app.config['LIVE_URL']}/en/c/{SLUG}/")
    page.fill("#email", "someone@example.org")
    page.click("#sign-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "name"


def test_petition_page_no_violations_in_arabic(live_app, page):
    page.goto(f"{live_app.config['LIVE_URL']}/ar/c/{SLUG}/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert axe_violations(page) == []

"""Pages at a phone's width (390 px) and a desktop's, in Chromium."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SLUG = "stop-forced-repatriation"
PHONE = {"width": 390, "height": 844}


def link_in_outbox(app, kind: str) -> str:
    [eml] = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"http://\S+/{kind}/\S+", text).group(0)


def sign(page, base: str, locale: str = "en", *, show_name: bool = False,
         name: str = "Amélie Dupont") -> None:
    page.goto(f"{base}/{locale}/c/{SLUG}/")
    page.fill("#name", name)
    page.fill("#email", "amelie@example.org")
    page.select_option("#country", "FR")
    if show_name:
        page.check("#show_name")
    page.check("#consent")
    page.click("#sign-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/check-your-email(#sign)?$"))


@pytest.mark.parametrize("locale", ["es", "de", "fr"])
def test_my_signature_values_get_the_width_on_a_phone(live_app, page, locale):
    sign(page, live_app.config["LIVE_URL"], locale)
    page.set_viewport_size(PHONE)
    page.goto(link_in_outbox(live_app, "my"))
    widths = page.eval_on_selector_all(".details dd", "els => els.map(e => e.offsetWidth)")
    assert min(widths) > 300


@pytest.fixture
def page_without_script(browser):
    context = browser.new_context(locale="en-GB", java_script_enabled=False, viewport=PHONE)
    yield context.new_page()
    context.close()


def test_sign_errors_open_in_view_on_a_phone_without_javascript(live_app, page_without_script):
    page = page_without_script
    page.goto(f"{live_app.config['LIVE_URL']}/en/c/{SLUG}/")
    page.fill("#name", "=1+1")
    page.fill("#email", "someone@example.org")
    page.select_option("#country", "KR")
    page.check("#consent")
    page.click("#sign-form button[type=submit]")
    page.wait_for_selector("#form-errors")
    top = page.evaluate("document.getElementById('form-errors').getBoundingClientRect().top")
    assert 0 <= top < PHONE["height"]


# Words of the headings and paragraphs whose letters end up on more than one line.
SPLIT_WORDS = """() => {
  const split = [];
  for (const block of document.querySelectorAll("main h1, main h2, main p, main li")) {
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[\\uac00-\\ud7a3]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) { split.push(match[0]); }
      }
    }
  }
  return split;
}"""


def test_korean_petition_breaks_lines_between_words_on_a_phone(live_app, page):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_app.config['LIVE_URL']}/ko/c/{SLUG}/")
    assert page.evaluate(SPLIT_WORDS) == []


def test_recent_signing_times_show_in_the_visitors_time_zone(live_app, browser):
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Seoul")
    page = context.new_page()
    base = live_app.config["LIVE_URL"]
    sign(page, base, show_name=True)
    page.goto(link_in_outbox(live_app, "confirm"))
    page.click("#confirm-form button[type=submit]")
    page.goto(f"{base}/en/c/{SLUG}/")
    time = page.locator(".recent-list time").first
    utc = time.get_attribute("datetime")
    shown = time.inner_text()
    expected = page.evaluate(
        """d => new Intl.DateTimeFormat("en", {dateStyle: "short", timeStyle: "short",
                                                timeZone: "Asia/Seoul"}).format(new Date(d))""",
        utc)
    context.close()
    assert "UTC" not in shown and shown == expected


def test_long_unbroken_signer_name_keeps_the_petition_page_width_on_a_phone(live_app, page):
    base = live_app.config["LIVE_URL"]
    sign(page, base, show_name=True, name="W" * 200)
    page.goto(link_in_outbox(live_app, "confirm"))
    page.click("#confirm-form button[type=submit]")
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/en/c/{SLUG}/")
    assert page.locator(".recent-list .signer-name").first.inner_text() == "W" * 200
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_japanese_citation_call_stays_on_one_line(live_app, page):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_app.config['LIVE_URL']}/ja/c/{SLUG}/")
    lines = page.eval_on_selector_all(
        "sup.cite", "els => els.map(e => new Set([...e.getClientRects()].map(r => "
                    "Math.round(r.top))).size)")
    assert lines and max(lines) == 1

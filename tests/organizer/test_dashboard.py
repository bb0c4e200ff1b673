"""The dashboard: counts, charts, milestones, recipients, jobs."""

from __future__ import annotations

import datetime as dt

import pytest

from campaign.organizer import accounts

from .conftest import PASSWORD

SLUG = "stop-forced-repatriation"


def test_dashboard_shows_counts_and_country_chart(organizer_client, add_signatures):
    add_signatures([("A", True, "KR"), ("B", True, "KR"), ("C", True, "JP")],
                   day=dt.datetime.now() - dt.timedelta(days=1))
    add_signatures([("P", True)], status="pending")
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    assert '<span class="big">3</span> confirmed' in page
    assert '<span class="big">1</span> pending' in page
    assert "<svg" in page and 'class="bar"' in page
    assert "South Korea" in page or "Korea" in page


def test_dashboard_has_no_inline_script_or_style(organizer_client):
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "<style" not in page


def test_dashboard_lists_every_recipient_with_build_button(app, organizer_client):
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    with app.app_context():
        campaign = app.extensions["campaign.library"].get(SLUG)
    for recipient_id in campaign.recipients:
        assert f'name="recipient" value="{recipient_id}"' in page


def test_build_button_starts_packet_job_and_shows_it(app, organizer_client, add_signatures):
    from campaign import jobs

    add_signatures([("김민준", True)])
    response = organizer_client.post(f"/admin/c/{SLUG}/packets", data={"recipient": "emb-kr"})
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        assert jobs.wait(job_id).status == "done"
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    assert f"/admin/jobs/{job_id}/files/0" in page
    pdf = organizer_client.get(f"/admin/jobs/{job_id}/files/0")
    assert pdf.data.startswith(b"%PDF")


def test_build_button_for_recipient_without_signatures_says_so_in_page_language(
        organizer_client):
    response = organizer_client.post(f"/admin/c/{SLUG}/packets", data={"recipient": "emb-kr"},
                                     headers={"Accept-Language": "ko"}, follow_redirects=True)
    assert "emb-kr 앞으로 확인된 서명이 아직 없습니다" in response.get_data(as_text=True)


def test_mail_merge_where_no_signer_shows_a_name_is_refused_at_once(organizer_client,
                                                                  add_signatures):
    add_signatures([("Hidden Person", False)])
    response = organizer_client.post(f"/admin/c/{SLUG}/mail-merge",
                                     data={"recipient": "emb-kr", "format": "pdf"},
                                     follow_redirects=True)
    assert "agreed to show their name" in response.get_data(as_text=True)


def test_mail_merge_with_an_unknown_format_is_refused_in_page_language(organizer_client,
                                                                      add_signatures):
    add_signatures([("Shown Person", True)])
    response = organizer_client.post(f"/admin/c/{SLUG}/mail-merge",
                                     data={"recipient": "emb-kr", "format": "docx"},
                                     headers={"Accept-Language": "de"}, follow_redirects=True)
    assert "Unbekanntes Serienbrief-Format: docx." in response.get_data(as_text=True)


def test_packet_for_an_unknown_recipient_is_refused_in_page_language(organizer_client):
    response = organizer_client.post(f"/admin/c/{SLUG}/packets", data={"recipient": "emb-xx"},
                                     headers={"Accept-Language": "fr"}, follow_redirects=True)
    assert "Destinataire inconnu : emb-xx." in response.get_data(as_text=True)


def _dashboard_with_terms(make_app, letters_dir, login, terms: dict[str, dt.date]) -> str:
    path = letters_dir / SLUG / "recipients.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    for index, row in enumerate(rows):
        recipient = row.split(",", 1)[0]
        if recipient in terms:
            rows[index] = row.rsplit(",", 1)[0] + "," + terms[recipient].isoformat()
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    app = make_app(LETTERS_DIR=str(letters_dir))
    with app.app_context(), app.extensions["campaign.db"].session() as db:
        accounts.add_user(db, "org@example.org", "organizer", PASSWORD)
    client = app.test_client()
    login(client)
    return client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)


def test_dashboard_warns_of_office_holder_whose_term_has_ended(make_app, letters_dir, login):
    page = _dashboard_with_terms(make_app, letters_dir, login,
                                 {"un-sg": dt.date.today() - dt.timedelta(days=1)})
    assert "António Guterres (un-sg) held office until" in page


def test_dashboard_warns_of_office_holder_whose_term_ends_soon(make_app, letters_dir, login):
    page = _dashboard_with_terms(make_app, letters_dir, login,
                                 {"un-sg": dt.date.today() + dt.timedelta(days=10)})
    assert "António Guterres (un-sg) holds office until" in page


def test_dashboard_is_silent_about_terms_far_from_their_end(make_app, letters_dir, login):
    later = dt.date.today() + dt.timedelta(days=400)
    page = _dashboard_with_terms(make_app, letters_dir, login,
                                 {"un-sg": later, "un-ohchr": later})
    assert "held office until" not in page and "holds office until" not in page


def _recipient_row(page: str, recipient_id: str) -> str:
    """The dashboard's table row of one recipient."""
    start = page.index(f'<input type="hidden" name="recipient" value="{recipient_id}">')
    return page[page.rindex("<tr>", 0, start):start]


def test_dashboard_marks_unverified_address(organizer_client):
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    assert "address not verified" in _recipient_row(page, "un-sr-dprk")


def test_dashboard_shows_source_of_verified_address(organizer_client):
    row = _recipient_row(organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True),
                         "emb-gb")
    assert "address checked against its source" in row
    assert 'href="https://chinawayz.com/chinese-embassy-in-united-kingdom-britain"' in row


def test_dashboard_marks_recipient_without_source(organizer_client):
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    assert "no source" in _recipient_row(page, "emb-la")


def test_dashboard_names_line_of_recipients_csv_to_correct(app, organizer_client):
    with app.app_context():
        line = app.extensions["campaign.library"].get(SLUG).recipients["emb-gb"].line
    row = _recipient_row(organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True),
                         "emb-gb")
    assert f"edit letters/{SLUG}/recipients.csv, line {line}." in row


def test_dashboard_links_to_letter_preview(organizer_client):
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    assert f'href="/letters/{SLUG}/emb-gb"' in _recipient_row(page, "emb-gb")


def test_letter_preview_marks_unverified_address(organizer_client):
    page = organizer_client.get(f"/letters/{SLUG}/un-sr-dprk").get_data(as_text=True)
    assert "address not verified" in page
    assert "recipients.csv, line" in page


def test_letter_preview_header_keeps_its_container(organizer_client):
    page = organizer_client.get(f"/letters/{SLUG}/emb-gb").get_data(as_text=True)
    header = page[page.index('<header class="site-header">'):page.index("</header>")]
    assert 'class="header-inner' in header


@pytest.mark.parametrize("url", [f"/letters/{SLUG}/emb-gb", "/translate/"])
def test_staff_pages_beside_admin_offer_to_log_out(app, client, add_user, login, url):
    add_user("admin@example.org", "admin")
    login(client, "admin@example.org")
    page = client.get(url).get_data(as_text=True)
    assert 'action="/admin/logout"' in page and "admin@example.org" in page


def test_dashboard_warns_of_signatures_addressed_to_a_recipient_no_longer_listed(
        organizer_client, add_signatures):
    # Signed while the campaign listed "emb-xx", which recipients.csv has since lost.
    add_signatures([("A", True, "FR"), ("B", True, "FR")], recipient="emb-xx")
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    assert "2 confirmed signatures are addressed to emb-xx, which recipients.csv no longer" \
        " lists" in page


def test_dashboard_has_no_such_warning_when_every_recipient_is_listed(organizer_client,
                                                                      add_signatures):
    add_signatures([("A", True, "KR")])
    page = organizer_client.get(f"/admin/c/{SLUG}/").get_data(as_text=True)
    assert "no longer lists" not in page


def test_day_chart_tallest_bar_leaves_the_scale_label_uncovered():
    from campaign.organizer.charts import HEADROOM, column_chart

    chart = column_chart([("11-20", 1), ("11-21", 4)])
    tallest = max(chart.bars, key=lambda bar: bar.value)
    assert tallest.y == HEADROOM and tallest.y + tallest.height == chart.height - 20

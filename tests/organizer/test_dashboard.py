"""The dashboard: counts, charts, milestones, recipients, jobs."""

from __future__ import annotations

import datetime as dt

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

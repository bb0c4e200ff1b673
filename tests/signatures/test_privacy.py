"""The signer's own page: see the signature, download the letter, erase the data."""

from __future__ import annotations

import re

from sqlalchemy import select

from campaign.storage.audit import AuditEvent
from tests.signatures.factories import COUNT_API, PETITION, form, link_in, rows, sign_and_confirm


def audit_events(app) -> list[AuditEvent]:
    with app.extensions["campaign.db"].session() as session:
        return list(session.scalars(select(AuditEvent)))


def test_every_mail_carries_privacy_link(sig_client, outbox):
    sig_client.post(PETITION, data=form())
    assert link_in(outbox.last_text(), "my")


def test_my_page_shows_signature(sig_client, outbox):
    my = sign_and_confirm(sig_client, outbox, name="김철수")
    page = sig_client.get(my).get_data(as_text=True)
    assert "김철수" in page and "jane@example.org" in page


def test_my_page_escapes_signer_text(sig_client, outbox):
    my = sign_and_confirm(sig_client, outbox, message="<b>bold</b> & <script>x</script>")
    page = sig_client.get(my).get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


def test_erase_requires_confirmation_box(sig_client, sig_app, outbox):
    my = sign_and_confirm(sig_client, outbox)
    response = sig_client.post(my + "/erase", data={})
    assert response.status_code == 400
    assert rows(sig_app)[0].status == "confirmed"


def test_erase_blanks_personal_fields(sig_client, sig_app, outbox):
    my = sign_and_confirm(sig_client, outbox)
    sig_client.post(my + "/erase", data={"really": "y"})
    [signature] = rows(sig_app)
    assert (signature.status, signature.name, signature.email, signature.city,
            signature.postcode, signature.message) == ("erased", "", None, "", "", "")
    assert signature.email_key == f"erased:{signature.id}" and signature.erased_at


def test_erase_keeps_country_for_nothing_personal(sig_client, sig_app, outbox):
    my = sign_and_confirm(sig_client, outbox, country="KR")
    sig_client.post(my + "/erase", data={"really": "y"})
    assert rows(sig_app)[0].country == "KR"


def test_erase_confirmed_signature_stops_counting(sig_client, outbox):
    my = sign_and_confirm(sig_client, outbox, country="KR")
    sig_client.post(my + "/erase", data={"really": "y"})
    data = sig_client.get(COUNT_API).json
    assert (data["count"], data["by_country"]) == (0, {})


def test_erase_pending_signature_changes_no_count(sig_client, sig_app, outbox):
    sign_and_confirm(sig_client, outbox, email="other@example.org")
    sig_client.post(PETITION, data=form())
    my = link_in(outbox.last_text(), "my")
    sig_client.post(my + "/erase", data={"really": "y"})
    assert sig_client.get(COUNT_API).json["count"] == 1
    assert [r.status for r in rows(sig_app)] == ["confirmed", "erased"]


def test_erase_twice_decrements_once(sig_client, outbox):
    sign_and_confirm(sig_client, outbox, email="other@example.org")
    my = sign_and_confirm(sig_client, outbox)
    sig_client.post(my + "/erase", data={"really": "y"})
    second = sig_client.post(my + "/erase", data={"really": "y"})
    assert second.status_code == 404
    assert sig_client.get(COUNT_API).json["count"] == 1


def test_erase_is_audited_without_personal_data(sig_client, sig_app, outbox):
    my = sign_and_confirm(sig_client, outbox, name="Unique Person", city="Gwangju")
    sig_client.post(my + "/erase", data={"really": "y"})
    [event] = [e for e in audit_events(sig_app) if e.event == "signature.erased"]
    dump = repr((event.actor, event.detail, event.campaign_slug))
    assert "Unique" not in dump and "jane@" not in dump and "Gwangju" not in dump
    assert event.detail["previous_status"] == "confirmed"


def test_erased_address_can_sign_again(sig_client, sig_app, outbox):
    my = sign_and_confirm(sig_client, outbox)
    sig_client.post(my + "/erase", data={"really": "y"})
    sig_client.post(PETITION, data=form())
    assert [r.status for r in rows(sig_app)] == ["erased", "pending"]


def test_privacy_link_dead_after_erasure(sig_client, outbox):
    my = sign_and_confirm(sig_client, outbox)
    sig_client.post(my + "/erase", data={"really": "y"})
    assert sig_client.get(my).status_code == 404


def test_letter_before_confirming_is_refused(sig_client, outbox):
    sig_client.post(PETITION, data=form())
    my = link_in(outbox.last_text(), "my")
    assert sig_client.get(my + "/letter.pdf").status_code == 409


def test_thanks_page_offers_letter_and_share_links(sig_client, outbox):
    my = sign_and_confirm(sig_client, outbox)
    page = sig_client.get(my + "/thanks").get_data(as_text=True)
    assert "/letter.pdf" in page and "twitter.com/intent/tweet" in page


def test_thanks_page_counts_the_first_signer_in_the_singular(sig_client, outbox):
    my = sign_and_confirm(sig_client, outbox)
    page = sig_client.get(my + "/thanks").get_data(as_text=True)
    assert "1 person has signed so far." in page


def test_thanks_page_counts_signers_in_german_plural(sig_client, outbox):
    sign_and_confirm(sig_client, outbox, email="first@example.org")
    my = sign_and_confirm(sig_client, outbox)
    page = sig_client.get(my.replace("/en/", "/de/") + "/thanks").get_data(as_text=True)
    assert "Bisher haben 2 Menschen unterschrieben." in page


def test_thanks_page_names_the_recipient_in_page_language(sig_client, outbox):
    my = sign_and_confirm(sig_client, outbox, country="GB")
    page = sig_client.get(my.replace("/en/", "/ko/") + "/thanks").get_data(as_text=True)
    assert "주영국 중화인민공화국 대사관" in page and "Embassy of the People" not in page


def test_letter_pdf_carries_signer_name(sig_client, outbox, tmp_path):
    import shutil
    import subprocess

    my = sign_and_confirm(sig_client, outbox, name="Amélie Dupont", country="FR")
    response = sig_client.get(my + "/letter.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        return
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Amélie Dupont" in text


def test_letter_failure_answers_503_with_message(sig_client, outbox, monkeypatch):
    from campaign.letters.errors import LetterError
    from campaign.signatures import service

    my = sign_and_confirm(sig_client, outbox)

    def broken(*args, **kwargs):
        raise LetterError("template broken")

    monkeypatch.setattr(service, "letter_pdf", broken)
    response = sig_client.get(my + "/letter.pdf")
    assert response.status_code == 503
    assert "Your signature is safe" in response.get_data(as_text=True)


def language_links(page: str) -> list[str]:
    nav = re.search(r'<nav class="languages".*?</nav>', page, re.S).group(0)
    return re.findall(r'href="([^"]+)"', nav)


def test_erased_page_language_links_open_pages(sig_client, outbox):
    my = sign_and_confirm(sig_client, outbox)
    page = sig_client.post(my + "/erase", data={"really": "y"}).get_data(as_text=True)
    links = language_links(page)
    assert links and [sig_client.get(link).status_code for link in links] == [200] * len(links)

"""One signature per person per campaign, also under concurrent requests; the page never tells."""

from __future__ import annotations

import threading

from tests.signatures.factories import COUNT_API, PETITION, form, link_in, rows


def test_sign_twice_keeps_one_row(sig_client, sig_app):
    sig_client.post(PETITION, data=form())
    sig_client.post(PETITION, data=form(email=" JANE@example.org "))
    assert len(rows(sig_app)) == 1


def test_sign_twice_while_pending_resends_confirmation(sig_client, outbox):
    sig_client.post(PETITION, data=form())
    sig_client.post(PETITION, data=form())
    texts = [m.get_body(("plain",)).get_content() for m in outbox.messages()]
    assert len(texts) == 2 and all("/confirm/" in t for t in texts)


def test_sign_again_while_pending_corrects_the_details(sig_client, sig_app, outbox):
    sig_client.post(PETITION, data=form(name="Jhon Smiht", country="FR", show_name=None))
    sig_client.post("/de/c/stop-forced-repatriation/",
                    data=form(name="John Smith", country="GB", show_name="y"))
    [signature] = rows(sig_app)
    assert (signature.name, signature.country, signature.show_name, signature.locale) == \
        ("John Smith", "GB", True, "de")
    assert "John Smith" in outbox.last_text() and "/de/confirm/" in outbox.last_text()


def test_sign_again_while_pending_counts_the_corrected_country(sig_client, sig_app, outbox):
    sig_client.post(PETITION, data=form(country="FR"))
    sig_client.post(PETITION, data=form(country="GB"))
    sig_client.post(link_in(outbox.last_text(), "confirm"))
    by_country = sig_client.get(COUNT_API).get_json()["by_country"]
    assert by_country == {"GB": 1}


def test_sign_again_while_pending_voids_the_first_confirmation_link(sig_client, sig_app,
                                                                  outbox):
    # Anyone can type someone's address: the first mail's link must not confirm what another
    # person typed since, such as a public name and a message of their own.
    sig_client.post(PETITION, data=form(name="Jane Doe", show_name=None))
    first_link = link_in(outbox.last_text(), "confirm")
    sig_client.post(PETITION, data=form(name="Jane Doe", message="Not my words.", show_name="y"))
    assert sig_client.post(first_link).status_code == 404
    [signature] = rows(sig_app)
    assert signature.status == "pending"


def test_confirm_page_shows_the_details_it_confirms(sig_client, outbox):
    sig_client.post(PETITION, data=form(message="Not my words.", show_name="y"))
    page = sig_client.get(link_in(outbox.last_text(), "confirm")).get_data(as_text=True)
    assert "Not my words." in page and "Name shown publicly" in page


def test_sign_again_after_confirming_sends_already_signed(sig_client, outbox):
    sig_client.post(PETITION, data=form())
    sig_client.post(link_in(outbox.last_text(), "confirm"))
    sig_client.post(PETITION, data=form())
    last = outbox.messages()[-1]
    assert "already signed" in last["Subject"]
    assert "/my/" in outbox.last_text() and "/confirm/" not in outbox.last_text()


def test_sign_again_after_confirming_tells_in_the_language_of_the_page(sig_client, outbox):
    sig_client.post(PETITION, data=form())
    sig_client.post(link_in(outbox.last_text(), "confirm"))
    sig_client.post("/de/c/stop-forced-repatriation/", data=form())
    last = outbox.messages()[-1]
    assert last["Subject"].startswith("Sie haben bereits unterschrieben")
    assert "/de/my/" in outbox.last_text()


def test_sign_response_identical_for_new_and_known_address(sig_client, outbox):
    first = sig_client.post(PETITION, data=form())
    sig_client.post(link_in(outbox.last_text(), "confirm"))
    again = sig_client.post(PETITION, data=form())
    new = sig_client.post(PETITION, data=form(email="someone.else@example.org"))
    assert {(r.status_code, r.location) for r in (first, again, new)} == {
        (first.status_code, first.location)}


def test_sign_concurrently_same_email_stores_one_row(sig_app):
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def sign(i: int) -> None:
        client = sig_app.test_client()
        barrier.wait()
        statuses.append(client.post(PETITION, data=form(email=f"Same@Example.org{' ' * i}"))
                        .status_code)

    threads = [threading.Thread(target=sign, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 12
    assert len(rows(sig_app)) == 1

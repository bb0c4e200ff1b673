"""Factories and small readers shared by the signature tests."""

from __future__ import annotations

import re

from campaign.signatures.models import Signature

SLUG = "stop-forced-repatriation"
PETITION = f"/en/c/{SLUG}/"
COUNT_API = f"/api/v1/campaigns/{SLUG}"


def link_in(text: str, kind: str) -> str:
    """The path of the first ``/<locale>/<kind>/<token>`` link in a mail."""
    match = re.search(rf"https?://[^/\s]+(/[a-zA-Z_]+/{kind}/[A-Za-z0-9_.-]+)", text)
    assert match, f"no {kind} link in:\n{text}"
    return match.group(1)


def form(**overrides) -> dict[str, str]:
    """A valid sign form; keyword arguments replace fields (None removes one)."""
    data = {"name": "Jane O'Neil", "email": "jane@example.org", "country": "GB",
            "city": "London", "postcode": "N1 9GU", "message": "Please stop.",
            "show_name": "y", "consent": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def rows(app) -> list[Signature]:
    with app.extensions["campaign.db"].session() as session:
        return list(session.query(Signature).order_by(Signature.id))


def sign_and_confirm(client, outbox, **overrides) -> str:
    """Signs through the page and presses confirm; returns the privacy link's path."""
    client.post(PETITION, data=form(**overrides))
    confirm = link_in(outbox.last_text(), "confirm")
    response = client.post(confirm)
    assert response.status_code == 303
    return response.location.removesuffix("/thanks")

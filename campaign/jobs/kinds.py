"""Which use-case function runs each job kind (``module:function``, imported when first needed so
that this low layer does not import the areas above it)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

KINDS: dict[str, str] = {
    "packet": "campaign.organizer.jobkinds:packet_job",
    "packets": "campaign.organizer.jobkinds:all_packets_job",
    "mailmerge": "campaign.organizer.jobkinds:mail_merge_job",
    "export": "campaign.organizer.jobkinds:export_job",
    "email": "campaign.jobs.email:email_job",
}


class UnknownJobKind(LookupError):
    pass


def handler_for(kind: str) -> Callable[..., Any]:
    try:
        module_name, _, function = KINDS[kind].partition(":")
    except KeyError:
        raise UnknownJobKind(kind) from None
    return getattr(importlib.import_module(module_name), function)

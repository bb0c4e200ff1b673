"""Campaign content: campaigns, letters, sources and recipients, loaded from files under ``letters/``.

Pure domain code: no Flask, no database, no PDF engine. Everything returned is immutable.
"""

from campaign.content.errors import ContentError, ContentErrors, Problem
from campaign.content.library import CampaignLibrary, list_campaign_slugs, load_campaign
from campaign.content.model import (
    Campaign,
    DefaultRecipientRule,
    LetterSpec,
    Name,
    Recipient,
    Source,
    SourceDate,
)

__all__ = [
    "Campaign",
    "CampaignLibrary",
    "ContentError",
    "ContentErrors",
    "DefaultRecipientRule",
    "LetterSpec",
    "Name",
    "Problem",
    "Recipient",
    "Source",
    "SourceDate",
    "list_campaign_slugs",
    "load_campaign",
]

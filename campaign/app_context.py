"""Access to the app's database and campaign library from views, commands and jobs."""

from __future__ import annotations

from flask import current_app

from campaign.content import CampaignLibrary
from campaign.storage import Database


def database() -> Database:
    return current_app.extensions["campaign.db"]


def library() -> CampaignLibrary:
    return current_app.extensions["campaign.library"]

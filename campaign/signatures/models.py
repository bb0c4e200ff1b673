"""Signatures and the counters that make the public count O(1)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from campaign.storage.base import Base, utcnow

PENDING = "pending"
CONFIRMED = "confirmed"
ERASED = "erased"

ONLINE = "online"
PAPER = "paper"


class Signature(Base):
    """One person's signature on one campaign.

    ``email_key`` is the normalised address (case and surrounding spaces removed) and is unique per
    campaign, so a second signature by the same person is impossible even under concurrent
    requests; ``email`` keeps the address as typed. Erasure blanks personal fields and replaces the
    key, keeping the row (and so the counts) honest.
    """

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("campaign_slug", "email_key", name="uq_signatures_campaign_email"),
        Index("ix_signatures_campaign_status", "campaign_slug", "status"),
        Index("ix_signatures_campaign_recipient", "campaign_slug", "recipient_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    source: Mapped[str] = mapped_column(String(16), default=ONLINE)
    email: Mapped[str | None] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    postcode: Mapped[str] = mapped_column(String(32), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    show_name: Mapped[bool] = mapped_column(Boolean, default=False)
    updates: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # The default recipient for the signer's country when they signed: packets are built per
    # recipient from this column.
    recipient_id: Mapped[str] = mapped_column(String(64), default="")
    # Bumped to invalidate earlier confirmation and privacy links.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    anonymized_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CampaignCounter(Base):
    """Confirmed signatures of a campaign, updated in the confirming transaction."""

    __tablename__ = "campaign_counters"

    campaign_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CountryCounter(Base):
    """Confirmed signatures per signer country."""

    __tablename__ = "country_counters"

    campaign_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)


class Milestone(Base):
    """When a campaign first reached 25, 50, 75 and 100 percent of its goal."""

    __tablename__ = "milestones"

    campaign_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    percent: Mapped[int] = mapped_column(Integer, primary_key=True)
    reached_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    count: Mapped[int] = mapped_column(Integer)

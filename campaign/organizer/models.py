"""Organizer accounts, the delivery log, and (from ``campaign.jobs``) background jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.jobs.models import Job  # noqa: F401 - registered with the metadata (migration 0003)
from campaign.storage.base import Base, utcnow

ADMIN = "admin"
ORGANIZER = "organizer"
TRANSLATOR = "translator"
ROLES = (ADMIN, ORGANIZER, TRANSLATOR)

DELIVERY_METHODS = ("post", "email", "in_person", "fax")


class User(Base):
    """A person who may log in to /admin. ``email`` is stored normalised (the login key)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LoginSession(Base):
    """A login that has not ended. The session cookie carries a random token; only its hash is
    kept here. Logging out deletes the row, so a copy of the cookie opens nothing afterwards;
    so does being away longer than the session lifetime (``last_seen_at``), as the cookie
    itself, renewed on every request, would expire."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Delivery(Base):
    """A packet handed to a recipient: when, how, by whom, with an optional scan of the receipt."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_campaign_recipient", "campaign_slug", "recipient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(100))
    recipient_id: Mapped[str] = mapped_column(String(64))
    delivered_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    # A random file name under instance/receipts/, never the uploaded name.
    receipt_file: Mapped[str | None] = mapped_column(String(100))
    receipt_content_type: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

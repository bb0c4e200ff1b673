"""The audit log: events such as an erasure or a delivery, recorded without personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from campaign.storage.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(64))
    campaign_slug: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str | None] = mapped_column(String(254))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(session: Session, event: str, *, campaign_slug: str | None = None,
           actor: str | None = None, **detail: Any) -> AuditEvent:
    """Adds an audit event to the session; the caller's transaction commits it."""
    entry = AuditEvent(event=event, campaign_slug=campaign_slug, actor=actor, detail=detail)
    session.add(entry)
    return entry

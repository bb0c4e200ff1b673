"""A background job: what to do (kind + params), how far it got, and where its output is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign.storage.base import Base, utcnow

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
ACTIVE = (QUEUED, RUNNING)


class Job(Base):
    """One run of a job kind with its parameters.

    ``key`` is a digest of kind + params: while a job with the same key is queued or running,
    asking for it again returns that job instead of starting a second one. ``worker`` names the
    process running it (``host:pid``) and ``heartbeat_at`` moves with its progress, so a job left
    ``running`` by a crashed process can be told from one that is still working.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_key_status", "key", "status"),
        Index("ix_jobs_campaign_created", "campaign_slug", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    output_path: Mapped[str | None] = mapped_column(String(1000))
    # The files a person may download (the output and, e.g., a packet's CSV) and a summary.
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    campaign_slug: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str | None] = mapped_column(String(320))
    worker: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def files(self) -> list[str]:
        return list((self.result or {}).get("files") or ([self.output_path] if self.output_path
                                                          else []))

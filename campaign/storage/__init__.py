"""Storage: SQLAlchemy 2 models and sessions. SQLite (WAL) embedded; PostgreSQL for several servers."""

from campaign.storage.base import Base, Database, utcnow

__all__ = ["Base", "Database", "utcnow"]

"""The database engine and sessions, shared by the web app, the CLI and background workers."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers (page views) run while a signature is being written; busy_timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """An engine and its session factory, one per app (or per worker process)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        database = make_url(url).database if url.startswith("sqlite") else None
        self._writer_path = (f"{database}-writer.lock"
                             if database and database != ":memory:" else None)
        self._writers: _WriterLine | None = None

    def writer(self) -> AbstractContextManager:
        """Held around a hot write transaction (signing, confirming).

        SQLite has one writer at a time, and a writer that finds the database locked sleeps in
        its busy handler (1, 2, 5, 10 … ms a try) even when the lock is freed a moment later:
        under load the cores sat idle while signatures queued. Writers here wait in line
        instead, on locks that wake the next one as soon as they are released: among the
        threads of a process, then, with ``flock`` on a file beside the database, among
        processes (gunicorn's workers). Other databases need no such line."""
        if not self.url.startswith("sqlite"):
            return nullcontext()
        line = self._writers
        if line is None or line.pid != os.getpid():
            # Made in the process that uses it: a lock or a descriptor inherited across fork
            # may be held by a thread that does not exist here, or share its lock with the
            # parent, which would then not keep the two apart.
            with _NEW_WRITER_LINE:
                line = self._writers
                if line is None or line.pid != os.getpid():
                    line = self._writers = _WriterLine(self._writer_path)
        return line

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._writers is not None and self._writers.pid == os.getpid():
            self._writers.close()
        self._writers = None


# Held only while a process makes its line of writers, so that its threads make one.
_NEW_WRITER_LINE = threading.Lock()


class _WriterLine:
    """One process's place in the line of SQLite writers (see ``Database.writer``)."""

    def __init__(self, path: str | None):
        self.pid = os.getpid()
        self.threads = threading.Lock()
        self.descriptor = (os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                           if path else None)

    def __enter__(self) -> None:
        self.threads.acquire()
        if self.descriptor is not None:
            try:
                fcntl.flock(self.descriptor, fcntl.LOCK_EX)
            except BaseException:
                self.threads.release()
                raise

    def __exit__(self, *exc_info) -> None:
        try:
            if self.descriptor is not None:
                fcntl.flock(self.descriptor, fcntl.LOCK_UN)
        finally:
            self.threads.release()

    def close(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None

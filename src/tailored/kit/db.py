"""Engines and sessions, chosen by URL scheme (sqlite+aiosqlite:// or postgresql+asyncpg://).

SQLite allows one writer at a time, and a transaction that has read cannot become a writer
once another connection has written since (SQLITE_BUSY_SNAPSHOT) or while one is writing
(SQLITE_BUSY): in both cases SQLite fails at once, without waiting out busy_timeout, to avoid a
deadlock. So a transaction that may write begins as the writer (`begin_writing`): it takes
this process's writer lock (a queue, instead of SQLite's polling busy handler) and then
`BEGIN IMMEDIATE` (which does wait busy_timeout for writers in other processes). Transactions
that only read stay deferred and never wait: WAL readers see a snapshot.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import ConnectionPoolEntry
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random

from tailored.errors import DatabaseBusy

SUPPORTED_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
_SQLITE_BUSY = 5
# How long a writer waits for the one before it, in this process (the lock) or another (SQLite).
BUSY_TIMEOUT_S = 5.0
# The execution option that makes `_sqlite_begin` emit BEGIN IMMEDIATE.
_WRITER_OPTION = "tailored_sqlite_writer"
# session.info key of the writer lock a session's transaction holds.
_HELD = "tailored_writer_lock"


@dataclass(frozen=True)
class _Writer:
    lock: asyncio.Lock
    timeout: float


# One writer per SQLite engine (its pool holds this process's connections to that file).
_writers: weakref.WeakKeyDictionary[Engine, _Writer] = weakref.WeakKeyDictionary()


def normalize_url(url: str) -> str:
    """Accept the plain `sqlite://` and `postgresql://` forms people type, add the async driver."""
    for plain, full in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return full + url[len(plain) :]
    if not url.startswith(tuple(s + "://" for s in SUPPORTED_SCHEMES)):
        raise ValueError(
            f"unsupported database URL scheme in {url.split('://')[0]!r}; "
            "use sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db"
        )
    return url


def _sqlite_pragmas(busy_timeout: float) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    def on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked, per connection.
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL skips the fsync on every commit (SQLite's own advice for WAL): the
        # database stays consistent; a power cut may lose the last commits, not corrupt it.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()
        # The sqlite3 module opens transactions lazily and not for every statement, which
        # breaks SAVEPOINTs and transactional DDL; let SQLAlchemy emit BEGIN itself (its
        # documented recipe).
        dbapi_conn.isolation_level = None

    return on_connect


def _sqlite_begin(conn: Connection) -> None:
    writer = conn.get_execution_options().get(_WRITER_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def _in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"


def create_engine(
    url: str,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    busy_timeout: float = BUSY_TIMEOUT_S,
    **kwargs: Any,
) -> AsyncEngine:
    """An engine for `url`. `pool_size`/`max_overflow` size the connection pool (None: the
    pool's defaults); `busy_timeout` is how long a SQLite writer waits its turn."""
    url = normalize_url(url)
    sqlite = url.startswith("sqlite")
    if not (sqlite and _in_memory(url)):  # in-memory SQLite has one connection, no pool
        if pool_size is not None:
            kwargs["pool_size"] = pool_size
        if max_overflow is not None:
            kwargs["max_overflow"] = max_overflow
    if not sqlite:
        kwargs.setdefault("pool_pre_ping", True)
        return create_async_engine(url, **kwargs)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout))
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    _writers[engine.sync_engine] = _Writer(asyncio.Lock(), busy_timeout)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def begin_writing(session: AsyncSession) -> None:
    """Begin `session`'s transaction as the database's writer; call it before the first query.

    On SQLite: wait for this process's writer lock, held until the transaction ends, then
    BEGIN IMMEDIATE (which waits for writers in other processes); DatabaseBusy when either wait
    passes the busy timeout. Elsewhere, and for a session bound to a connection (tests' outer
    transaction) or already in a transaction: nothing. Never call it while this task holds the
    lock already: it would wait for itself.
    """
    bind = session.bind
    if not isinstance(bind, AsyncEngine) or session.in_transaction():
        return
    writer = _writers.get(bind.sync_engine)
    if writer is None:
        return
    try:
        async with asyncio.timeout(writer.timeout):
            await writer.lock.acquire()
    except TimeoutError:
        raise DatabaseBusy() from None
    session.info[_HELD] = writer.lock
    try:
        await session.connection(execution_options={_WRITER_OPTION: True})
    except BaseException as exc:
        _release(session)
        # Another process held the write lock for the whole busy_timeout.
        if isinstance(exc, OperationalError) and _sqlite_code(exc) == _SQLITE_BUSY:
            raise DatabaseBusy() from exc
        raise


def _sqlite_code(exc: OperationalError) -> int | None:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None  # the primary code


def _release(session: Session | AsyncSession) -> None:
    lock: asyncio.Lock | None = session.info.pop(_HELD, None)
    if lock is not None:
        lock.release()


@event.listens_for(Session, "after_transaction_end")
def _writer_done(session: Session, transaction: SessionTransaction) -> None:
    # Commit, rollback or close of the outermost transaction: the next writer may begin.
    if transaction.parent is None:
        _release(session)


@asynccontextmanager
async def transaction(
    maker: async_sessionmaker[AsyncSession], *, write: bool = False
) -> AsyncIterator[AsyncSession]:
    """A short unit of work of its own (CLI, jobs, engines, routes that do slow work outside
    the request): commit on success, roll back on error. `write=True` begins it as the writer
    (see `begin_writing`): use it when it reads before it writes."""
    async with maker() as session:
        try:
            if write:
                await begin_writing(session)
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


@asynccontextmanager
async def reading(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A few reads that need no common snapshot, on a hot path: on a server database each
    statement runs on its own (autocommit), which saves the `BEGIN` and `COMMIT` round trips
    of `transaction`. SQLite (no round trips to save) and a maker bound to a connection (the
    tests' outer transaction) get a plain `transaction`."""
    bind = maker.kw.get("bind")
    if isinstance(bind, AsyncEngine) and bind.dialect.name != "sqlite":
        autocommit = bind.execution_options(isolation_level="AUTOCOMMIT")
        async with maker(bind=autocommit) as session:
            yield session
        return
    async with transaction(maker) as session:
        yield session


# PostgreSQL's "deadlock detected" and "could not serialize": the database chose this
# transaction as the one to undo; running the same work again is the documented answer.
_T = TypeVar("_T")
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def is_retryable_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure that a retry of the same work resolves."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES


async def retry_in_savepoint(
    session: AsyncSession, work: Callable[[], Awaitable[_T]], *, attempts: int = 5
) -> _T:
    """Run `work` inside a SAVEPOINT, again after a deadlock: rolling back to the savepoint
    releases the locks it took (PostgreSQL), so the retry does not wait on itself, and the
    rest of the request's transaction is kept. `work` must be safe to repeat."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(is_retryable_conflict),
        stop=stop_after_attempt(attempts),
        wait=wait_random(0.005, 0.05),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            async with session.begin_nested():
                return await work()
    raise AssertionError("unreachable: tenacity reraises the last error")

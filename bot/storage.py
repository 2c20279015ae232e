"""Storage: what the bot remembers, in one SQLite file next to it.

Why it exists: staff want to know which answers help (👍/👎 per FAQ entry), which
questions the bot could not answer (escalated or clarified, to improve the knowledge
base), a chat's preferences must survive a restart, and a question a person hands over
to staff must find its way back to that person when staff answer.

What is stored, why, and for how long:

* `events`: one row per reply: when, the user's pseudonym, the outcome, the FAQ id and
  the score, for /stats and to see which questions go unanswered. The question text only
  for escalate and clarify (for staff to improve the knowledge base), never for a crisis
  message or any other outcome, and never at all with `storage.store_question_text: false`.
* `feedback`: one row per 👍/👎 press: when, the user's pseudonym, the FAQ id, helpful.
* `preferences`: a chat's settings (e.g. its audience), under the chat's pseudonym. Kept
  until changed or until `forget`; not subject to retention, as the bot needs them.
* `handoffs`: a question a person chose to send to the staff chat: when, the user's
  pseudonym, the question text, the staff chat and the id of the bot's message there, and
  the person's real chat id. That chat id is the one Telegram id the database holds: the
  bot cannot deliver the staff answer without it. Once the answer is delivered
  (`mark_handoff_answered`) the chat id and the question text are erased; the row stays
  for the open/answered count. The question text is kept even with
  `store_question_text: false`, because the person explicitly sent it to staff.
* Retention: rows of events, feedback and handoffs older than `storage.retention_days`
  (default 180, 0 = keep forever) are deleted by `purge_expired`, which the bot runs
  daily. `forget` deletes every row about one person at their request.
* Deleted rows are overwritten (PRAGMA secure_delete) and the write-ahead log is truncated
  after a purge or forget where the database allows, so deleted text does not linger in
  the file.

Why it looks like this:

* Embedded SQLite through aiosqlite, so the Telegram handlers never block on disk and
  there is no database server to run. WAL journal mode with synchronous=NORMAL: writes
  survive a crash of the bot, readers (staff with the sqlite3 tool) do not block it.
* The schema is versioned with PRAGMA user_version. `MIGRATIONS` is an ordered list;
  each migration runs in its own transaction together with the version bump, so a
  failed migration leaves the database exactly as it was. Older databases are upgraded
  in place when opened.
* People are never stored by their Telegram id (except the chat id of an unanswered
  handoff, see above): user and chat ids become a keyed hash (HMAC-SHA256, hex, first
  32 characters). The key comes from $JEPBOT_PSEUDONYM_KEY, else
  `storage.pseudonym_key` in the config, else a random key generated once and kept next
  to the database (`<database>.key`, readable by the owner only). Without the key the
  pseudonyms cannot be linked back to a Telegram account.
* Times are stored as UTC ISO 8601 text (`2024-05-01T12:00:00+00:00`), which sorts and
  compares correctly as text; `clock` is the one source of "now" (tests replace it).
* One connection, shared by all handlers: an asyncio lock keeps a multi-statement
  transaction (purge, forget) from interleaving with other writes.
* Events and feedback are written behind, and with the update they belong to: while an
  update is being handled (`UPDATE_IN_HAND`, set by the inbox), the rows it records are
  held and written in the same transaction as its done mark (`inbox_done`), right after
  its reply was sent; updates handled at the same moment share that commit. So a crash
  of the bot keeps a reply's rows and its done mark both or neither: an update that was
  not marked done is handled again after the restart, and its rows recorded then. Rows
  recorded outside an update are queued and written `storage.write_delay_seconds`
  (default 1) after the first one, or at once when the queue holds `FLUSH_ROWS` rows.
  Everything that reads or deletes writes the queue first, so /stats, the report and
  `forget` always see every row, and `close` writes it before closing. A failed batch is
  written again one row at a time: a row that fails on its own (e.g. a value SQLite
  refuses) is logged and dropped, so it cannot poison later batches; when every row
  fails, the database is the problem and the rows stay queued for the next try (up to
  `MAX_QUEUED_ROWS`). Text is sanitised first (`clean`: lone surrogates and NUL become
  U+FFFD). `write_delay_seconds: 0` writes rows recorded outside an update at once.
  Handoffs and preferences are always written at once: the bot reads them back.
* `inbox`: every incoming update (id, arrival time, its JSON) is written here before
  Telegram is told it arrived (see bot/inbox.py), and marked done, its JSON erased,
  once handled. The JSON holds the person's chat id and text, so it is kept only while
  the update waits to be answered; ids of handled updates (no content) are kept two days,
  to recognise Telegram sending one again.
* WAL with synchronous=NORMAL: a commit is safe once it returns if the bot's process
  dies (kill -9, out of memory); if the computer itself loses power, the last commits
  before the crash can be lost (SQLite's WAL keeps the database consistent either way).
* The data folder is made 0700 and the database, its -wal/-shm files and the key file
  0600 (bot/private_files.py): they hold question texts and pseudonyms.
* A storage failure never stops the bot answering. Every public method logs the
  problem and returns a neutral value (None, 0, {}, []). If the database cannot be opened
  at all, `Storage.open` logs it and returns a disabled storage whose methods do
  nothing, instead of crashing the bot.

This module is part of the core: it must not import telegram.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import stat
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from .config import PSEUDONYM_KEY_ENV, StorageConfig
from .private_files import create_private, private_folder, tighten
from .replies import Outcome

logger = logging.getLogger(__name__)

PSEUDONYM_CHARS = 32
KEY_SUFFIX = ".key"
BUSY_TIMEOUT_SECONDS = 5.0
# Write-behind queue of events and feedback (see the module docstring).
FLUSH_ROWS = 200  # a queue this long is written at once, without waiting for the delay
MAX_QUEUED_ROWS = 10_000  # while writing fails, rows beyond this are dropped (and counted in the log)
INSERT_EVENT = "INSERT INTO events (created_at, user, outcome, faq_id, score, question) VALUES (?, ?, ?, ?, ?, ?)"
# A second 👍/👎 by the same person on the same message is ignored (unique index feedback_once).
INSERT_FEEDBACK = "INSERT OR IGNORE INTO feedback (created_at, user, faq_id, helpful, message) VALUES (?, ?, ?, ?, ?)"
MARK_DONE = "UPDATE inbox SET done_at = ?, payload = NULL WHERE update_id = ?"
# How long a handled update's id is kept, to recognise Telegram delivering it again (it keeps
# unconfirmed updates for 24 hours).
INBOX_KEEP_DONE = dt.timedelta(days=2)
# A handled update is tried at most this often in all (the first time, plus once after a restart).
MAX_ATTEMPTS = 2
REPLACEMENT = "\ufffd"
# The update being handled in this task (set by the inbox): its rows are held back and written
# in the same commit as its done mark, so a crash keeps both or neither.
UPDATE_IN_HAND: contextvars.ContextVar[int | None] = contextvars.ContextVar("update_in_hand", default=None)
# Outcomes whose question text is kept for staff review. Never crisis: those messages stay private.
REVIEW_OUTCOMES = (Outcome.ESCALATE.value, Outcome.CLARIFY.value)
KNOWN_OUTCOMES = frozenset(o.value for o in Outcome)
# What a broken or closed connection raises: sqlite3/aiosqlite errors, disk errors, and
# aiosqlite's ValueError("Connection closed") once the connection is gone.
STORAGE_ERRORS: tuple[type[Exception], ...] = (aiosqlite.Error, sqlite3.Error, OSError, ValueError)


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema: run in a single transaction that also sets user_version."""

    version: int
    description: str
    statements: tuple[str, ...]


# Ordered; versions count up from 1. Never edit a released migration: add a new one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "events, feedback and preferences",
        (
            """
            CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                created_at TEXT NOT NULL,
                user TEXT,
                outcome TEXT NOT NULL,
                faq_id TEXT,
                score REAL NOT NULL,
                question TEXT
            )
            """,
            "CREATE INDEX events_outcome ON events (outcome)",
            """
            CREATE TABLE feedback (
                id INTEGER PRIMARY KEY,
                created_at TEXT NOT NULL,
                user TEXT,
                faq_id TEXT NOT NULL,
                helpful INTEGER NOT NULL CHECK (helpful IN (0, 1))
            )
            """,
            "CREATE INDEX feedback_faq_id ON feedback (faq_id)",
            """
            CREATE TABLE preferences (
                chat TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (chat, key)
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        2,
        "handoffs to staff; created_at indexes for retention",
        (
            """
            CREATE TABLE handoffs (
                id INTEGER PRIMARY KEY,
                created_at TEXT NOT NULL,
                user TEXT,
                user_chat_id INTEGER,
                question TEXT,
                staff_chat_id INTEGER NOT NULL,
                staff_message_id INTEGER NOT NULL,
                answered_at TEXT
            )
            """,
            "CREATE INDEX handoffs_staff_message ON handoffs (staff_chat_id, staff_message_id)",
            "CREATE INDEX handoffs_created_at ON handoffs (created_at)",
            "CREATE INDEX events_created_at ON events (created_at)",
            "CREATE INDEX feedback_created_at ON feedback (created_at)",
        ),
    ),
    Migration(
        3,
        "durable inbox of updates; one 👍/👎 per person and message",
        (
            """
            CREATE TABLE inbox (
                update_id INTEGER PRIMARY KEY,
                received_at TEXT NOT NULL,
                payload TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                done_at TEXT
            )
            """,
            "CREATE INDEX inbox_open ON inbox (update_id) WHERE done_at IS NULL",
            "CREATE INDEX inbox_done_at ON inbox (done_at)",
            "ALTER TABLE feedback ADD COLUMN message TEXT",
            "CREATE UNIQUE INDEX feedback_once ON feedback (user, message) WHERE message IS NOT NULL",
        ),
    ),
)
# The tables `purge_older_than` clears by created_at.
RETAINED_TABLES = ("events", "feedback", "handoffs")


@dataclass(frozen=True, slots=True)
class ReviewQuestion:
    """A question the bot escalated or asked to clarify, for staff to review."""

    created_at: dt.datetime  # UTC
    outcome: str  # "escalate" or "clarify"
    question: str
    faq_id: str | None
    score: float
    user: str | None  # the pseudonym, so repeated questions from one person can be seen


@dataclass(frozen=True, slots=True)
class InboxItem:
    """An update that was received but not yet handled to the end."""

    update_id: int
    payload: str  # the update as Telegram sent it (JSON)
    attempts: int  # restarts that already handed it out again


@dataclass(frozen=True, slots=True)
class Handoff:
    """A question forwarded to the staff chat, waiting for a staff reply to deliver."""

    id: int
    created_at: dt.datetime  # UTC
    user_chat_id: int  # the chat to deliver the staff answer to
    question: str
    answered: bool


class StorageUnavailable(Exception):
    """The database cannot be used; `Storage.open` turns this into a disabled storage."""


OPEN_ERRORS: tuple[type[Exception], ...] = (*STORAGE_ERRORS, StorageUnavailable)


def clock() -> dt.datetime:
    """The current time, timezone-aware UTC. Tests replace it to write rows at chosen times."""
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """The same moment in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def timestamp(moment: dt.datetime) -> str:
    """The stored form of a moment: UTC ISO 8601 to the second, which compares correctly as text."""
    return as_utc(moment).isoformat(timespec="seconds")


def utc_now() -> str:
    return timestamp(clock())


def key_path(database: Path) -> Path:
    """Where the generated pseudonym key is kept: next to the database."""
    return database.with_name(database.name + KEY_SUFFIX)


def make_pseudonym(key: bytes, ident: int) -> str:
    return hmac.new(key, str(ident).encode("ascii"), hashlib.sha256).hexdigest()[:PSEUDONYM_CHARS]


class Storage:
    """Feedback, review questions, chat preferences and handoffs. Create it with `Storage.open`.

    Every public method is safe to call at any time: on a database problem it logs and
    returns a neutral value; a disabled or closed storage does nothing.
    """

    def __init__(
        self,
        db: aiosqlite.Connection | None,
        key: bytes,
        path: Path,
        config: StorageConfig | None = None,
        question_chars: int | None = None,
    ) -> None:
        settings = config or StorageConfig(path=path)
        self._question_chars = question_chars  # question text is kept up to what matching reads
        self._db = db
        self._key = key
        self._path = path
        self._retention_days = settings.retention_days
        self._store_question_text = settings.store_question_text
        self._lock = asyncio.Lock()  # one writer at a time on the shared connection
        self._failing = False  # the last operation failed: log the next failure briefly
        self._write_delay = max(0.0, settings.write_delay_seconds)
        self._queue: list[tuple[str, tuple[Any, ...]]] = []  # (INSERT statement, row), oldest first
        self._held: dict[int, list[tuple[str, tuple[Any, ...]]]] = {}  # update id → its rows, until it is done
        self._flush_timer: asyncio.TimerHandle | None = None
        self._flush_tasks: set[asyncio.Task[None]] = set()  # held so running flushes are not garbage-collected

    @classmethod
    async def open(cls, config: StorageConfig, question_chars: int | None = None) -> Storage:
        """Open (creating folder and file on first run), migrate, and load or create the key.

        Folder 0700, database, write-ahead log and key 0600 (`private_files`).
        `question_chars`: stored question texts are cut to this length (`max_question_chars`).

        Never raises for a database or file problem: it logs and returns a disabled storage.
        """
        path = Path(config.path)
        db: aiosqlite.Connection | None = None
        try:
            if path.is_dir():
                # Caught here rather than by sqlite: a failed aiosqlite.connect leaves its worker thread behind.
                raise StorageUnavailable(
                    f"{path} is a folder, not a database file. Point storage.path at a file, e.g. data/bot.sqlite3."
                )
            had_data = path.is_file() and path.stat().st_size > 0
            private_folder(path.parent, path)
            create_private(path)  # SQLite gives the -wal and -shm files the database file's mode
            tighten(path)
            db = await aiosqlite.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
            await _configure(db, path)
            key = _load_key(config, path, had_data)
            await _migrate(db, path)
            tighten(path)
        except OPEN_ERRORS as exc:
            if isinstance(exc, StorageUnavailable):
                logger.error("Storage disabled: %s", exc)
            else:
                logger.exception(
                    "Storage disabled: cannot use the database %s or its key file; "
                    "the bot keeps answering but remembers nothing",
                    path,
                )
            if db is not None:
                await _close_quietly(db)
            return cls.disabled(path)
        logger.info("Storage ready: %s (schema version %d)", path, MIGRATIONS[-1].version)
        return cls(db, key, path, config, question_chars)

    @classmethod
    def disabled(cls, path: Path | None = None) -> Storage:
        """A storage that remembers nothing: every method is a no-op with a neutral result.

        Its pseudonyms use a random key for this run only, so they link nothing.
        """
        return cls(None, secrets.token_hex(32).encode("ascii"), path or Path())

    @property
    def enabled(self) -> bool:
        """False when the database could not be opened, or after `close`."""
        return self._db is not None

    @property
    def path(self) -> Path:
        return self._path

    @property
    def retention_days(self) -> int:
        """Days that events, feedback and handoffs are kept; 0 = forever."""
        return self._retention_days

    async def close(self) -> None:
        """Write the queued rows, commit and close; safe to call twice. Waits for a running write."""
        for rows in self._held.values():  # updates that never finished: keep what they recorded
            self._queue.extend(rows)
        self._held.clear()
        await self.flush()
        async with self._lock:
            db, self._db = self._db, None
        if db is None:
            return
        if self._queue:
            logger.error("Storage: %d records could not be written before closing and are lost", len(self._queue))
            self._queue = []
        try:
            if db.in_transaction:
                await db.commit()
        except STORAGE_ERRORS:
            logger.warning("Storage: committing before close failed", exc_info=True)
        await _close_quietly(db)

    def pseudonym(self, user_id: int) -> str:
        """The keyed hash stored instead of a Telegram user or chat id."""
        return make_pseudonym(self._key, user_id)

    async def record_event(
        self, user_id: int | None, outcome: str, faq_id: str | None, score: float, question: str | None
    ) -> None:
        """One row per reply. The question text is kept only for escalate and clarify,
        and not at all when the config says `store_question_text: false`."""
        outcome = str(outcome)
        if outcome not in KNOWN_OUTCOMES:
            logger.warning("Storage: unknown outcome %r recorded without question text", outcome)
        kept = None
        if self._store_question_text and question is not None and outcome in REVIEW_OUTCOMES:
            kept = question.strip()[: self._question_chars].strip() or None
        user = None if user_id is None else self.pseudonym(user_id)
        await self._append("record the event", INSERT_EVENT, (utc_now(), user, outcome, faq_id, float(score), kept))

    async def record_feedback(
        self, user_id: int | None, faq_id: str, helpful: bool, message: tuple[int, int] | None = None
    ) -> None:
        """One row per 👍/👎 press on an answer; `message` is (chat id, message id) of that answer.

        With a message, a person's second press on the same answer is ignored: the pair is
        stored as a keyed hash (like user ids) under a unique index with the user's pseudonym.
        """
        user = None if user_id is None else self.pseudonym(user_id)
        where = None if message is None else self._message_pseudonym(*message)
        await self._append("record the feedback", INSERT_FEEDBACK, (utc_now(), user, faq_id, int(helpful), where))

    def _message_pseudonym(self, chat_id: int, message_id: int) -> str:
        return hmac.new(self._key, f"{int(chat_id)}:{int(message_id)}".encode("ascii"), hashlib.sha256).hexdigest()[
            :PSEUDONYM_CHARS
        ]

    # The durable inbox (see the module docstring)

    async def inbox_add(self, update_id: int, payload: str) -> bool | None:
        """Keep an update until it is handled; written at once. True: new; False: seen before; None: failed."""
        async with self._lock:
            if self._db is None:
                return None
            try:
                cursor = await self._db.execute(
                    "INSERT OR IGNORE INTO inbox (update_id, received_at, payload) VALUES (?, ?, ?)",
                    (int(update_id), utc_now(), clean(payload)),
                )
            except STORAGE_ERRORS as exc:
                self._failed("keep an incoming update", exc)
                return None
            self._failing = False
            return cursor.rowcount == 1

    async def inbox_done(self, update_id: int) -> None:
        """Mark an update handled and erase its content, in one commit with the rows it recorded.

        Concurrent updates share a commit: whoever takes the lock next writes them all.
        """
        if self._db is None:
            return
        self._queue.extend(self._held.pop(int(update_id), []))
        self._queue.append((MARK_DONE, (utc_now(), int(update_id))))
        await self.flush()

    async def inbox_open(self) -> list[InboxItem]:
        """Updates received but not handled to the end, oldest first; forgets long-handled ones."""
        if self._db is None:
            return []
        await self._forget_old_inbox_ids()
        rows = await self._read(
            "read the inbox",
            "SELECT update_id, payload, attempts FROM inbox WHERE done_at IS NULL ORDER BY update_id",
            (),
        )
        return [InboxItem(int(u), str(p or ""), int(a)) for u, p, a in rows]

    async def inbox_attempt(self, update_id: int) -> None:
        """Count one more try of an update, before it is handed out again (written at once)."""
        await self._write(
            "count an inbox attempt", "UPDATE inbox SET attempts = attempts + 1 WHERE update_id = ?", (int(update_id),)
        )

    @property
    def queued(self) -> int:
        """Rows of events and feedback waiting to be written."""
        return len(self._queue)

    async def flush(self) -> None:
        """Write the queued events and feedback now, in one transaction; never raises.

        On a database error the rows stay queued for the next try (the oldest are dropped
        beyond `MAX_QUEUED_ROWS`). Readers, `forget`, `purge_older_than` and `close` call this first.
        """
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        async with self._lock:
            rows, self._queue = self._queue, []
            db = self._db
            if not rows or db is None:
                return
            try:
                written = await self._in_transaction(
                    db, f"write {len(rows)} queued records (kept for the next try)", _insert_batches(rows)
                )
                if written is None and len(rows) > 1:
                    rows = await self._write_one_by_one(db, rows)
            except BaseException:  # cancelled: the rows stay queued
                self._requeue(rows)
                raise
            if written is None and rows:
                self._requeue(rows)

    async def _write_one_by_one(
        self, db: aiosqlite.Connection, rows: list[tuple[str, tuple[Any, ...]]]
    ) -> list[tuple[str, tuple[Any, ...]]]:
        """After a failed batch: write each row alone, so one bad row cannot hold up the rest.

        Rows that fail on their own are logged and dropped; if every row fails, the database
        itself is the problem and all rows are returned, to stay queued. The caller holds the lock.
        """
        failed: list[tuple[str, tuple[Any, ...]]] = []
        for sql, row in rows:
            try:
                await db.execute(sql, row)
            except STORAGE_ERRORS as exc:
                failed.append((sql, row))
                last = exc
        if len(failed) == len(rows):
            return rows
        for sql, _row in failed:
            logger.error(
                "Storage: dropped one record that cannot be written (%s: %s); the other %d were written",
                sql.split("(")[0].strip(),
                last,
                len(rows) - len(failed),
            )
        self._failing = False
        return []

    async def _append(self, action: str, sql: str, row: tuple[Any, ...]) -> None:
        """Queue one row for `flush` (or write it at once when there is no write delay)."""
        if self._db is None:
            return
        row = clean_row(row)
        if (update_id := UPDATE_IN_HAND.get()) is not None:
            self._held.setdefault(update_id, []).append((sql, row))  # written with its done mark
            return
        if self._write_delay <= 0:
            await self._write(action, sql, row)
            return
        self._queue.append((sql, row))
        if len(self._queue) >= FLUSH_ROWS:
            self._start_flush()
        elif self._flush_timer is None:  # `flush` clears it, so rows queued during a flush get a timer too
            self._flush_timer = asyncio.get_running_loop().call_later(self._write_delay, self._start_flush)

    def _start_flush(self) -> None:
        """Run `flush` as a task (from the timer, or when the queue is long); flushes take turns on the lock."""
        task = asyncio.get_running_loop().create_task(self.flush(), name="storage-flush")
        self._flush_tasks.add(task)
        task.add_done_callback(self._flush_tasks.discard)

    def _requeue(self, rows: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Put rows that could not be written back in front of the queue, within `MAX_QUEUED_ROWS`."""
        self._queue = rows + self._queue
        dropped = len(self._queue) - MAX_QUEUED_ROWS
        if dropped > 0:
            del self._queue[:dropped]
            logger.error("Storage: dropped the %d oldest queued records: the database keeps failing", dropped)

    async def get_preference(self, chat_id: int, key: str) -> str | None:
        rows = await self._read(
            "read a preference",
            "SELECT value FROM preferences WHERE chat = ? AND key = ?",
            (self.pseudonym(chat_id), key),
        )
        return str(rows[0][0]) if rows else None

    async def set_preference(self, chat_id: int, key: str, value: str) -> None:
        await self._write(
            "save a preference",
            "INSERT INTO preferences (chat, key, value, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (chat, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (self.pseudonym(chat_id), key, value, utc_now()),
        )

    async def feedback_counts(self) -> dict[str, tuple[int, int]]:
        """FAQ id → (helpful, not helpful)."""
        rows = await self._read(
            "count the feedback",
            "SELECT faq_id, SUM(helpful), SUM(1 - helpful) FROM feedback GROUP BY faq_id ORDER BY faq_id",
            (),
        )
        return {str(faq_id): (int(yes), int(no)) for faq_id, yes, no in rows}

    async def feedback_totals(self) -> tuple[int, int]:
        """(helpful, not helpful) over all FAQ entries; (0, 0) when there is none."""
        rows = await self._read(
            "count the feedback totals",
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback",
            (),
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)

    async def review_questions(self, limit: int = 100) -> list[ReviewQuestion]:
        """Escalated and clarified questions with their text, newest first."""
        if limit <= 0:
            return []
        rows = await self._read(
            "read the review questions",
            "SELECT created_at, outcome, question, faq_id, score, user FROM events "
            "WHERE outcome IN (?, ?) AND question IS NOT NULL ORDER BY id DESC LIMIT ?",
            (*REVIEW_OUTCOMES, limit),
        )
        try:
            return [
                ReviewQuestion(dt.datetime.fromisoformat(created), outcome, question, faq_id, float(score), user)
                for created, outcome, question, faq_id, score, user in rows
            ]
        except (ValueError, TypeError):
            logger.exception("Storage: a review question row is malformed")
            return []

    async def outcome_counts(self) -> dict[str, int]:
        """Outcome → number of replies with it."""
        rows = await self._read(
            "count the outcomes", "SELECT outcome, COUNT(*) FROM events GROUP BY outcome ORDER BY outcome", ()
        )
        return {str(outcome): int(count) for outcome, count in rows}

    async def outcome_counts_since(self, since: dt.datetime) -> dict[str, int]:
        """Outcome → number of replies with it from `since` on (inclusive; naive = UTC)."""
        try:
            start = timestamp(since)
        except (OverflowError, ValueError):
            logger.warning("Storage: cannot count outcomes since %r: not a usable time", since)
            return {}
        rows = await self._read(
            "count the recent outcomes",
            "SELECT outcome, COUNT(*) FROM events WHERE created_at >= ? GROUP BY outcome ORDER BY outcome",
            (start,),
        )
        return {str(outcome): int(count) for outcome, count in rows}

    # Handoffs to staff

    async def record_handoff(
        self, user_id: int, user_chat_id: int, question: str, staff_chat_id: int, staff_message_id: int
    ) -> None:
        """Remember a question the person sent to the staff chat, to deliver the staff reply.

        Stores the person's real chat id (the only way to deliver the answer) and the
        question text, even when `store_question_text` is false: the person explicitly
        chose to send this question to staff. Both are erased by `mark_handoff_answered`,
        and the whole row by retention and `forget`.
        """
        await self._write(
            "record the handoff",
            "INSERT INTO handoffs (created_at, user, user_chat_id, question, staff_chat_id, staff_message_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                utc_now(),
                self.pseudonym(user_id),
                int(user_chat_id),
                question,
                int(staff_chat_id),
                int(staff_message_id),
            ),
        )

    async def handoff_for(self, staff_chat_id: int, staff_message_id: int) -> Handoff | None:
        """The unanswered handoff behind this message in the staff chat; None if unknown or answered."""
        rows = await self._read(
            "look up the handoff",
            "SELECT id, created_at, user_chat_id, question FROM handoffs "
            "WHERE staff_chat_id = ? AND staff_message_id = ? AND answered_at IS NULL AND user_chat_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (int(staff_chat_id), int(staff_message_id)),
        )
        if not rows:
            return None
        handoff_id, created, chat_id, question = rows[0]
        try:
            return Handoff(int(handoff_id), dt.datetime.fromisoformat(created), int(chat_id), question or "", False)
        except (ValueError, TypeError):
            logger.exception("Storage: a handoff row is malformed")
            return None

    async def mark_handoff_answered(self, handoff_id: int) -> bool:
        """Claim a handoff for delivery: note when, and erase the chat id and the question text.

        True only for the one call that marked it: when two staff replies arrive at once,
        just one of them is delivered. False when already answered, unknown, or on an error.
        """
        changed = await self._write(
            "mark the handoff answered",
            "UPDATE handoffs SET answered_at = ?, user_chat_id = NULL, question = NULL "
            "WHERE id = ? AND answered_at IS NULL",
            (utc_now(), int(handoff_id)),
        )
        return changed == 1

    async def open_handoffs(self) -> int:
        """How many handoffs still wait for a staff answer."""
        rows = await self._read(
            "count the open handoffs", "SELECT COUNT(*) FROM handoffs WHERE answered_at IS NULL", ()
        )
        return int(rows[0][0]) if rows else 0

    # Retention and erasure

    async def purge_older_than(self, days: int, now: dt.datetime | None = None) -> int:
        """Delete events, feedback and handoffs created more than `days` days before `now`.

        `now` defaults to the clock (naive = UTC). Returns the number of rows deleted;
        `days <= 0` deletes nothing. Preferences are not touched.
        """
        if days <= 0 or self._db is None:
            return 0
        try:
            cutoff = timestamp(as_utc(now or clock()) - dt.timedelta(days=days))
        except (OverflowError, ValueError):
            return 0  # further back than a datetime reaches: nothing is that old
        deleted = await self._transaction(
            "delete old records",
            [(f"DELETE FROM {table} WHERE created_at < ?", (cutoff,)) for table in RETAINED_TABLES],
        )
        if deleted:
            logger.info("Storage: deleted %d records older than %d days", deleted, days)
        return deleted or 0

    async def purge_expired(self) -> int:
        """Apply `storage.retention_days` (0 = keep forever) and forget old inbox ids; the bot calls this daily."""
        await self._forget_old_inbox_ids()
        return await self.purge_older_than(self._retention_days)

    async def _forget_old_inbox_ids(self) -> None:
        """Handled updates are remembered (id and times only) as long as Telegram might send them again."""
        cutoff = timestamp(clock() - INBOX_KEEP_DONE)
        await self._write("forget old inbox ids", "DELETE FROM inbox WHERE done_at < ?", (cutoff,))

    async def forget(self, user_id: int, chat_id: int | None = None) -> int:
        """Delete every row about this person; returns the number of rows deleted.

        That is their events, feedback and handoffs, and the preferences stored under the
        user's pseudonym and under `chat_id`'s (in a private chat these are the same; in a
        group, `chat_id` would also clear the group's preferences). Runs as one
        transaction: on a storage error nothing is deleted, it is logged and 0 returned
        (check `enabled` and the log before telling the person it is done).
        """
        if self._db is None:
            return 0
        user = self.pseudonym(user_id)
        chat = user if chat_id is None else self.pseudonym(chat_id)
        deleted = await self._transaction(
            "forget a user",
            [
                ("DELETE FROM events WHERE user IN (?, ?)", (user, chat)),
                ("DELETE FROM feedback WHERE user IN (?, ?)", (user, chat)),
                ("DELETE FROM preferences WHERE chat IN (?, ?)", (user, chat)),
                # user_chat_id = user_id: their private chat, found even if the key has changed since.
                ("DELETE FROM handoffs WHERE user IN (?, ?) OR user_chat_id = ?", (user, chat, int(user_id))),
            ],
        )
        if deleted is not None:
            logger.info("Storage: forgot a user on request (%d records deleted)", deleted)
        return deleted or 0

    # Helpers

    async def _write(self, action: str, sql: str, parameters: tuple[Any, ...]) -> int:
        """Run one statement; the number of rows it changed (0 on an error or when disabled)."""
        # Autocommit mode: the single statement is committed when it returns.
        async with self._lock:
            if self._db is None:
                return 0
            try:
                cursor = await self._db.execute(sql, clean_row(parameters))
            except STORAGE_ERRORS as exc:
                self._failed(action, exc)
                return 0
            self._failing = False
            return max(cursor.rowcount, 0)

    async def _read(self, action: str, sql: str, parameters: tuple[Any, ...]) -> list[sqlite3.Row]:
        if self._queue:
            await self.flush()  # what is read includes every row recorded so far
        if self._db is None:
            return []
        try:
            rows = list(await self._db.execute_fetchall(sql, parameters))
        except STORAGE_ERRORS as exc:
            self._failed(action, exc)
            return []
        self._failing = False
        return rows

    async def _transaction(self, action: str, statements: Sequence[tuple[str, tuple[Any, ...]]]) -> int | None:
        """Run deleting statements in one transaction; the rows changed, or None when it failed.

        Afterwards the write-ahead log is checkpointed and truncated, so deleted rows do not
        linger in it (best effort: a reader holding the log open leaves it for later).
        """
        if self._queue:
            await self.flush()  # queued rows are deleted too
        async with self._lock:
            db = self._db
            if db is None:
                return None
            changed = await self._in_transaction(db, action, _statements(statements))
            if changed:
                await _truncate_wal(db)
            return changed

    async def _in_transaction(
        self, db: aiosqlite.Connection, action: str, work: Callable[[aiosqlite.Connection], Awaitable[int]]
    ) -> int | None:
        """Run `work` inside BEGIN IMMEDIATE ... COMMIT; its count, or None after a (logged) storage error.

        On any error, cancellation included, the transaction is rolled back, so the shared
        connection is never left inside one. The caller holds the lock.
        """
        try:
            await db.execute("BEGIN IMMEDIATE")
            changed = await work(db)
            await db.execute("COMMIT")
        except STORAGE_ERRORS as exc:
            await _rollback_quietly(db)
            self._failed(action, exc)
            return None
        except BaseException:
            await _rollback_quietly(db)
            raise
        self._failing = False
        return changed

    def _failed(self, action: str, exc: Exception) -> None:
        """Log a failed operation: in full the first time, in one line while it keeps failing."""
        if self._failing:
            logger.warning("Storage: could not %s (still failing): %s: %s", action, type(exc).__name__, exc)
        else:
            logger.error("Storage: could not %s; the bot keeps answering", action, exc_info=exc)
        self._failing = True


def _statements(
    statements: Sequence[tuple[str, tuple[Any, ...]]],
) -> Callable[[aiosqlite.Connection], Awaitable[int]]:
    """Work for `_in_transaction`: run each statement once; the rows they changed."""

    async def run(db: aiosqlite.Connection) -> int:
        changed = 0
        for sql, parameters in statements:
            cursor = await db.execute(sql, parameters)
            changed += max(cursor.rowcount, 0)
        return changed

    return run


def _insert_batches(rows: Sequence[tuple[str, tuple[Any, ...]]]) -> Callable[[aiosqlite.Connection], Awaitable[int]]:
    """Work for `_in_transaction`: queued (statement, row) pairs, one executemany per statement.

    Inserts come before the inbox's done marks, so an update is never marked done without its rows.
    """

    async def run(db: aiosqlite.Connection) -> int:
        for sql in dict.fromkeys(statement for statement, _ in rows):
            await db.executemany(sql, [row for statement, row in rows if statement == sql])
        return len(rows)

    return run


def clean(text: str) -> str:
    """Text SQLite can store: lone surrogates (from broken clients or forged data) and NUL replaced."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text.replace("\x00", REPLACEMENT)


def clean_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(clean(value) if isinstance(value, str) else value for value in row)


async def _configure(db: aiosqlite.Connection, path: Path) -> None:
    rows = list(await db.execute_fetchall("PRAGMA journal_mode = WAL"))
    mode = str(rows[0][0]).lower() if rows else "unknown"
    if mode != "wal":
        logger.warning("Storage: %s is in journal mode %r, not WAL; it still works but more slowly", path, mode)
    await db.execute("PRAGMA synchronous = NORMAL")
    # Deleted rows are overwritten with zeros, so purged or forgotten text is gone from the file.
    await db.execute("PRAGMA secure_delete = ON")


async def _user_version(db: aiosqlite.Connection) -> int:
    rows = list(await db.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


async def _migrate(db: aiosqlite.Connection, path: Path) -> None:
    """Bring the schema to the newest version; each step in its own transaction."""
    latest = MIGRATIONS[-1].version
    found = await _user_version(db)
    if found > latest:
        raise StorageUnavailable(
            f"the database {path} has schema version {found}, newer than this bot knows ({latest}). "
            "Run the newer version of the bot, or point storage.path at another file."
        )
    for migration in MIGRATIONS:
        if migration.version <= found:
            continue
        await db.execute("BEGIN IMMEDIATE")
        try:
            # Read again inside the transaction: another process may have migrated meanwhile.
            if await _user_version(db) >= migration.version:
                await db.execute("COMMIT")
                continue
            for statement in migration.statements:
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {int(migration.version)}")
            await db.execute("COMMIT")
        except BaseException:
            try:
                await db.execute("ROLLBACK")
            except STORAGE_ERRORS:
                logger.warning("Storage: rolling back migration %d failed", migration.version, exc_info=True)
            raise
        logger.info("Storage: migrated %s to version %d (%s)", path, migration.version, migration.description)


def _load_key(config: StorageConfig, database: Path, had_data: bool) -> bytes:
    """The pseudonym key: $JEPBOT_PSEUDONYM_KEY, else the config, else the key file (made once)."""
    from_env = os.environ.get(PSEUDONYM_KEY_ENV, "").strip()
    if from_env:
        return from_env.encode("utf-8")
    if config.pseudonym_key.strip():
        return config.pseudonym_key.strip().encode("utf-8")
    path = key_path(database)
    if not path.exists():
        if had_data:
            logger.warning(
                "Storage: the key file %s is missing but %s already holds data; a new key is made, "
                "so earlier pseudonyms will not match new ones. Restore the old key file if you have it.",
                path,
                database,
            )
        try:
            return _create_key(path)
        except FileExistsError:
            pass  # another process made it just now: use theirs
    return _read_key(path)


def _create_key(path: Path) -> bytes:
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o600)  # in case the umask or file system ignored the mode
    logger.info("Storage: made a new pseudonym key in %s; keep it with the database", path)
    return key.encode("ascii")


def _read_key(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise StorageUnavailable(
            f"the pseudonym key file {path} is empty. Restore it from a backup, or delete it "
            "to make a new key (earlier pseudonyms will then no longer match)."
        )
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        logger.warning("Storage: the key file %s can be read by others; run: chmod 600 %s", path, path)
    return text.encode("utf-8")


async def _close_quietly(db: aiosqlite.Connection) -> None:
    try:
        await db.close()
    except STORAGE_ERRORS:
        logger.warning("Storage: closing the database failed", exc_info=True)


async def _rollback_quietly(db: aiosqlite.Connection) -> None:
    try:
        if db.in_transaction:
            await db.execute("ROLLBACK")
    except STORAGE_ERRORS:
        logger.warning("Storage: rolling back failed", exc_info=True)


async def _truncate_wal(db: aiosqlite.Connection) -> None:
    """Copy the write-ahead log into the database and empty it; log, never raise."""
    try:
        rows = list(await db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)"))
    except STORAGE_ERRORS:
        logger.warning("Storage: checkpointing the write-ahead log after deleting failed", exc_info=True)
        return
    if rows and int(rows[0][0]):
        logger.info("Storage: the write-ahead log is in use by a reader; it is emptied at a later checkpoint")

"""Storage: what the bot remembers, in one SQLite file next to it.

Why it exists: staff want to know which answers help (👍/👎 per FAQ entry), which
questions the bot could not answer (escalated or clarified, to improve the knowledge
base), and a chat's preferences must survive a restart.

Why it looks like this:

* Embedded SQLite through aiosqlite, so the Telegram handlers never block on disk and
  there is no database server to run. WAL journal mode with synchronous=NORMAL: writes
  survive a crash of the bot, readers (staff with the sqlite3 tool) do not block it.
* The schema is versioned with PRAGMA user_version. `MIGRATIONS` is an ordered list;
  each migration runs in its own transaction together with the version bump, so a
  failed migration leaves the database exactly as it was.
* People are never stored by their Telegram id: user and chat ids become a keyed hash
  (HMAC-SHA256, hex, first 32 characters). The key comes from $JEPBOT_PSEUDONYM_KEY,
  else `storage.pseudonym_key` in the config, else a random key generated once and
  kept next to the database (`<database>.key`, readable by the owner only). Without
  the key the pseudonyms cannot be linked back to a Telegram account.
* Question text is kept only where staff need it (escalate, clarify) and never for a
  crisis message.
* A storage failure never stops the bot answering. Every public method logs the
  problem and returns a neutral value (None, {}, []). If the database cannot be opened
  at all, `Storage.open` logs it and returns a disabled storage whose methods do
  nothing, instead of crashing the bot.

This module is part of the core: it must not import telegram.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from .config import PSEUDONYM_KEY_ENV, StorageConfig
from .replies import Outcome

logger = logging.getLogger(__name__)

PSEUDONYM_CHARS = 32
KEY_SUFFIX = ".key"
BUSY_TIMEOUT_SECONDS = 5.0
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
)


@dataclass(frozen=True, slots=True)
class ReviewQuestion:
    """A question the bot escalated or asked to clarify, for staff to review."""

    created_at: dt.datetime  # UTC
    outcome: str  # "escalate" or "clarify"
    question: str
    faq_id: str | None
    score: float
    user: str | None  # the pseudonym, so repeated questions from one person can be seen


class StorageUnavailable(Exception):
    """The database cannot be used; `Storage.open` turns this into a disabled storage."""


OPEN_ERRORS: tuple[type[Exception], ...] = (*STORAGE_ERRORS, StorageUnavailable)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def key_path(database: Path) -> Path:
    """Where the generated pseudonym key is kept: next to the database."""
    return database.with_name(database.name + KEY_SUFFIX)


def make_pseudonym(key: bytes, ident: int) -> str:
    return hmac.new(key, str(ident).encode("ascii"), hashlib.sha256).hexdigest()[:PSEUDONYM_CHARS]


class Storage:
    """Feedback, review questions and chat preferences. Create it with `Storage.open`.

    Every public method is safe to call at any time: on a database problem it logs and
    returns a neutral value; a disabled or closed storage does nothing.
    """

    def __init__(self, db: aiosqlite.Connection | None, key: bytes, path: Path) -> None:
        self._db = db
        self._key = key
        self._path = path
        self._failing = False  # the last operation failed: log the next failure briefly

    @classmethod
    async def open(cls, config: StorageConfig) -> Storage:
        """Open (creating folder and file on first run), migrate, and load or create the key.

        Never raises for a database or file problem: it logs and returns a disabled storage.
        """
        path = Path(config.path)
        db: aiosqlite.Connection | None = None
        try:
            had_data = path.is_file() and path.stat().st_size > 0
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
            await _configure(db, path)
            key = _load_key(config, path, had_data)
            await _migrate(db, path)
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
        return cls(db, key, path)

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

    async def close(self) -> None:
        """Commit and close; safe to call twice."""
        db, self._db = self._db, None
        if db is None:
            return
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
        """One row per reply. The question text is kept only for escalate and clarify."""
        outcome = str(outcome)
        if outcome not in KNOWN_OUTCOMES:
            logger.warning("Storage: unknown outcome %r recorded without question text", outcome)
        kept = (question.strip() or None) if question is not None and outcome in REVIEW_OUTCOMES else None
        user = None if user_id is None else self.pseudonym(user_id)
        await self._write(
            "record the event",
            "INSERT INTO events (created_at, user, outcome, faq_id, score, question) VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now(), user, outcome, faq_id, float(score), kept),
        )

    async def record_feedback(self, user_id: int | None, faq_id: str, helpful: bool) -> None:
        """One row per 👍/👎 press on an answer."""
        user = None if user_id is None else self.pseudonym(user_id)
        await self._write(
            "record the feedback",
            "INSERT INTO feedback (created_at, user, faq_id, helpful) VALUES (?, ?, ?, ?)",
            (utc_now(), user, faq_id, int(helpful)),
        )

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

    async def _write(self, action: str, sql: str, parameters: tuple[Any, ...]) -> None:
        # Autocommit mode: the single statement is committed when it returns.
        if self._db is None:
            return
        try:
            await self._db.execute(sql, parameters)
        except STORAGE_ERRORS as exc:
            self._failed(action, exc)
        else:
            self._failing = False

    async def _read(self, action: str, sql: str, parameters: tuple[Any, ...]) -> list[sqlite3.Row]:
        if self._db is None:
            return []
        try:
            rows = list(await self._db.execute_fetchall(sql, parameters))
        except STORAGE_ERRORS as exc:
            self._failed(action, exc)
            return []
        self._failing = False
        return rows

    def _failed(self, action: str, exc: Exception) -> None:
        """Log a failed operation: in full the first time, in one line while it keeps failing."""
        if self._failing:
            logger.warning("Storage: could not %s (still failing): %s: %s", action, type(exc).__name__, exc)
        else:
            logger.error("Storage: could not %s; the bot keeps answering", action, exc_info=exc)
        self._failing = True


async def _configure(db: aiosqlite.Connection, path: Path) -> None:
    rows = list(await db.execute_fetchall("PRAGMA journal_mode = WAL"))
    mode = str(rows[0][0]).lower() if rows else "unknown"
    if mode != "wal":
        logger.warning("Storage: %s is in journal mode %r, not WAL; it still works but more slowly", path, mode)
    await db.execute("PRAGMA synchronous = NORMAL")


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

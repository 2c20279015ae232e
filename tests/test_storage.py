"""Storage: schema and migrations, pseudonyms and their key, privacy of question text, and failing safely."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import sqlite3
import stat
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot import storage as storage_module
from bot.config import PSEUDONYM_KEY_ENV, StorageConfig
from bot.replies import Outcome
from bot.storage import MIGRATIONS, Handoff, Migration, ReviewQuestion, Storage, key_path

RAW_USER = 987_654_321_123
RAW_CHAT = -100_555_444_333
CRISIS_TEXT = "ik wil niet meer leven zwaluwstaart"
ANSWER_TEXT = "hoe laat gaat het jongerencentrum open kievitsbloem"
LATEST = MIGRATIONS[-1].version
OTHER_USER = 111_222_333_444
OTHER_CHAT = -100_777_888_999
STAFF_CHAT = -100_246_813_579
NOW = dt.datetime(2025, 6, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The developer's own $JEPBOT_PSEUDONYM_KEY must not leak in; storage logs are captured whatever the root level."""
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    caplog.set_level(logging.INFO, logger="bot.storage")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(StorageConfig(path=db_path))
    assert opened.enabled
    yield opened
    await opened.close()


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read the database behind the storage's back, as staff would with the sqlite3 tool."""
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql))


def expected_pseudonym(key: str, ident: int) -> str:
    return hmac.new(key.encode(), str(ident).encode(), hashlib.sha256).hexdigest()[:32]


def storage_error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.storage" and r.levelno >= logging.WARNING]


class FakeClock:
    """Stands in for `storage.clock`: rows are written at whatever time `now` is set to."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(NOW)
    monkeypatch.setattr(storage_module, "clock", fake)
    return fake


def every_cell(path: Path) -> list[object]:
    """Every value in every table of the database."""
    cells: list[object] = []
    with sqlite3.connect(path) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):
                cells.extend(row)
    return cells


def table_counts(path: Path) -> dict[str, int]:
    return {
        table: query(path, f"SELECT COUNT(*) FROM {table}")[0][0]
        for table in ("events", "feedback", "preferences", "handoffs")
    }


# Schema and migrations


async def test_first_open_creates_folder_file_tables_and_version(db_path: Path) -> None:
    assert not db_path.parent.exists()
    store = await Storage.open(StorageConfig(path=db_path))
    await store.close()
    assert db_path.is_file()
    tables = {name for (name,) in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"events", "feedback", "preferences", "handoffs", "inbox"}
    assert query(db_path, "PRAGMA user_version") == [(LATEST,)]
    assert query(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


async def test_reopening_keeps_data_and_does_not_rerun_migrations(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = await Storage.open(StorageConfig(path=db_path))
    await first.record_feedback(RAW_USER, "openingstijden", helpful=True)
    await first.close()
    assert [r for r in caplog.records if "migrated" in r.getMessage()]

    caplog.clear()
    # Migration 1 uses CREATE TABLE without IF NOT EXISTS: running it again would fail and disable storage.
    second = await Storage.open(StorageConfig(path=db_path))
    assert second.enabled
    assert await second.feedback_counts() == {"openingstijden": (1, 0)}
    await second.close()
    assert not [r for r in caplog.records if "migrated" in r.getMessage()]
    assert query(db_path, "PRAGMA user_version") == [(LATEST,)]


async def test_a_new_migration_is_applied_once_in_order(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await (await Storage.open(StorageConfig(path=db_path))).close()
    extra = Migration(LATEST + 1, "notes", ("CREATE TABLE notes (text TEXT)", "INSERT INTO notes VALUES ('v2')"))
    monkeypatch.setattr(storage_module, "MIGRATIONS", (*MIGRATIONS, extra))
    for _ in range(2):
        store = await Storage.open(StorageConfig(path=db_path))
        assert store.enabled
        await store.close()
    assert query(db_path, "PRAGMA user_version") == [(LATEST + 1,)]
    assert query(db_path, "SELECT text FROM notes") == [("v2",)]


async def test_a_failing_migration_is_rolled_back_and_disables_storage(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await (await Storage.open(StorageConfig(path=db_path))).close()
    broken = Migration(LATEST + 1, "broken", ("CREATE TABLE notes (text TEXT)", "THIS IS NOT SQL"))
    monkeypatch.setattr(storage_module, "MIGRATIONS", (*MIGRATIONS, broken))
    store = await Storage.open(StorageConfig(path=db_path))
    assert not store.enabled
    assert storage_error_records(caplog)
    assert query(db_path, "PRAGMA user_version") == [(LATEST,)]
    assert not query(db_path, "SELECT name FROM sqlite_master WHERE name = 'notes'")


async def test_a_database_from_a_newer_bot_is_left_alone(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    await (await Storage.open(StorageConfig(path=db_path))).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 99")
    store = await Storage.open(StorageConfig(path=db_path))
    assert not store.enabled
    assert any("newer" in r.getMessage() for r in storage_error_records(caplog))
    assert query(db_path, "PRAGMA user_version") == [(99,)]


async def test_a_version_1_database_is_upgraded_in_place(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_module, "MIGRATIONS", MIGRATIONS[:1])
    old = await Storage.open(StorageConfig(path=db_path))
    assert old.enabled
    await old.record_event(RAW_USER, Outcome.ESCALATE, "klachten", 12.0, "een oude vraag")
    await old.set_preference(RAW_CHAT, "audience", "ouders")
    await old.close()
    with sqlite3.connect(db_path) as conn:  # a 👍 as version 1 stored it, before feedback had a message
        conn.execute(
            "INSERT INTO feedback (created_at, user, faq_id, helpful) VALUES (?, ?, 'adres', 1)",
            ("2026-01-01T00:00:00+00:00", old.pseudonym(RAW_USER)),
        )
    assert query(db_path, "PRAGMA user_version") == [(1,)]
    assert not query(db_path, "SELECT name FROM sqlite_master WHERE name = 'handoffs'")

    monkeypatch.setattr(storage_module, "MIGRATIONS", MIGRATIONS)
    store = await Storage.open(StorageConfig(path=db_path))
    assert store.enabled
    assert query(db_path, "PRAGMA user_version") == [(LATEST,)]
    assert [q.question for q in await store.review_questions()] == ["een oude vraag"]
    assert await store.feedback_counts() == {"adres": (1, 0)}
    assert await store.get_preference(RAW_CHAT, "audience") == "ouders"
    await store.record_handoff(RAW_USER, RAW_CHAT, "nieuwe vraag", STAFF_CHAT, 7)
    assert await store.open_handoffs() == 1
    assert await store.forget(RAW_USER, RAW_CHAT) == 4  # rows from before and after the upgrade
    await store.close()
    indexes = {name for (name,) in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"events_created_at", "feedback_created_at", "handoffs_created_at"} <= indexes


async def test_created_at_is_indexed_for_every_retained_table(store: Storage, db_path: Path) -> None:
    await store.close()
    for table in ("events", "feedback", "handoffs"):
        indexed = {
            column
            for (index,) in query(db_path, f"SELECT name FROM pragma_index_list('{table}')")
            for (_, _, column) in query(db_path, f"SELECT * FROM pragma_index_info('{index}')")
        }
        assert "created_at" in indexed, table
        plan = " ".join(
            str(row[-1])
            for row in query(db_path, f"EXPLAIN QUERY PLAN DELETE FROM {table} WHERE created_at < '2025-01-01'")
        )
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, (table, plan)


# Events, feedback and preferences


async def test_events_round_trip(store: Storage) -> None:
    await store.record_event(RAW_USER, Outcome.ANSWER, "openingstijden", 91.5, ANSWER_TEXT)
    await store.record_event(RAW_USER, Outcome.CLARIFY, None, 55.0, "  iets over subsidie  ")
    await store.record_event(None, Outcome.ESCALATE, "klachten", 20.25, "mijn klacht is niet behandeld")
    await store.record_event(RAW_USER, Outcome.SMALLTALK, None, 0.0, "hoi")
    await store.record_event(RAW_USER, "answer", "adres", 88.0, None)

    assert await store.outcome_counts() == {"answer": 2, "clarify": 1, "escalate": 1, "smalltalk": 1}
    review = await store.review_questions()
    assert [(q.outcome, q.question, q.faq_id, q.score) for q in review] == [
        ("escalate", "mijn klacht is niet behandeld", "klachten", 20.25),
        ("clarify", "iets over subsidie", None, 55.0),
    ]
    assert all(isinstance(q, ReviewQuestion) for q in review)
    assert review[0].user is None
    assert review[1].user == store.pseudonym(RAW_USER)
    assert review[0].created_at.utcoffset() is not None
    assert review[0].created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert [q.question for q in await store.review_questions(limit=1)] == ["mijn klacht is niet behandeld"]
    assert await store.review_questions(limit=0) == []


async def test_question_text_is_kept_only_for_escalate_and_clarify(store: Storage, db_path: Path) -> None:
    await store.record_event(RAW_USER, Outcome.ESCALATE, None, 10.0, "escalated text")
    await store.record_event(RAW_USER, Outcome.CLARIFY, None, 50.0, "clarified text")
    await store.record_event(RAW_USER, Outcome.ANSWER, "openingstijden", 90.0, ANSWER_TEXT)
    await store.record_event(RAW_USER, Outcome.CRISIS, None, 0.0, CRISIS_TEXT)
    await store.record_event(RAW_USER, Outcome.SMALLTALK, None, 0.0, "dank je wel")
    await store.close()

    rows = dict(query(db_path, "SELECT outcome, question FROM events"))
    assert rows == {
        "escalate": "escalated text",
        "clarify": "clarified text",
        "answer": None,
        "crisis": None,
        "smalltalk": None,
    }
    everything = b"".join(p.read_bytes() for p in db_path.parent.iterdir())
    assert CRISIS_TEXT.encode() not in everything
    assert ANSWER_TEXT.encode() not in everything


async def test_no_question_text_is_kept_when_the_config_says_so(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path, store_question_text=False))
    await store.record_event(RAW_USER, Outcome.ESCALATE, "klachten", 10.0, "escalated ijsvogeltekst")
    await store.record_event(RAW_USER, Outcome.CLARIFY, None, 50.5, "clarified ijsvogeltekst")
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, ANSWER_TEXT)
    assert await store.review_questions() == []
    assert await store.outcome_counts() == {"answer": 1, "clarify": 1, "escalate": 1}
    await store.close()

    rows = query(db_path, "SELECT outcome, faq_id, score, question, user FROM events ORDER BY id")
    user = store.pseudonym(RAW_USER)
    assert rows == [
        ("escalate", "klachten", 10.0, None, user),
        ("clarify", None, 50.5, None, user),
        ("answer", "adres", 90.0, None, user),
    ]
    everything = b"".join(p.read_bytes() for p in db_path.parent.iterdir())
    assert b"ijsvogeltekst" not in everything


async def test_feedback_round_trip(store: Storage) -> None:
    assert await store.feedback_counts() == {}
    await store.record_feedback(RAW_USER, "openingstijden", helpful=True)
    await store.record_feedback(RAW_USER + 1, "openingstijden", helpful=True)
    await store.record_feedback(None, "openingstijden", helpful=False)
    await store.record_feedback(RAW_USER, "adres", helpful=False)
    assert await store.feedback_counts() == {"adres": (0, 1), "openingstijden": (2, 1)}


async def test_preferences_set_get_and_overwrite(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path))
    assert await store.get_preference(RAW_CHAT, "language") is None
    await store.set_preference(RAW_CHAT, "language", "nl")
    await store.set_preference(RAW_CHAT + 1, "language", "en")
    assert await store.get_preference(RAW_CHAT, "language") == "nl"
    await store.set_preference(RAW_CHAT, "language", "en")
    await store.set_preference(RAW_CHAT, "hints", "off")
    await store.close()

    store = await Storage.open(StorageConfig(path=db_path))
    assert await store.get_preference(RAW_CHAT, "language") == "en"
    assert await store.get_preference(RAW_CHAT, "hints") == "off"
    assert await store.get_preference(RAW_CHAT + 1, "language") == "en"
    await store.close()
    assert query(db_path, "SELECT COUNT(*) FROM preferences") == [(3,)]
    chats = {chat for (chat,) in query(db_path, "SELECT chat FROM preferences")}
    assert chats == {store.pseudonym(RAW_CHAT), store.pseudonym(RAW_CHAT + 1)}


async def test_reporting_helpers(store: Storage, clock: FakeClock) -> None:
    assert await store.feedback_totals() == (0, 0)
    assert await store.outcome_counts_since(NOW - dt.timedelta(days=7)) == {}

    clock.now = NOW - dt.timedelta(days=10)
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    await store.record_event(RAW_USER, Outcome.ESCALATE, None, 10.0, "oud")
    clock.now = NOW - dt.timedelta(days=7)  # exactly at `since`: counted
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    clock.now = NOW
    await store.record_event(OTHER_USER, Outcome.ANSWER, "adres", 90.0, None)
    await store.record_event(OTHER_USER, Outcome.CLARIFY, None, 50.0, "nieuw")
    await store.record_feedback(RAW_USER, "adres", helpful=True)
    await store.record_feedback(OTHER_USER, "adres", helpful=True)
    await store.record_feedback(OTHER_USER, "openingstijden", helpful=False)

    assert await store.outcome_counts_since(NOW - dt.timedelta(days=7)) == {"answer": 2, "clarify": 1}
    assert await store.outcome_counts_since(NOW - dt.timedelta(days=30)) == {"answer": 3, "clarify": 1, "escalate": 1}
    assert await store.outcome_counts_since(NOW + dt.timedelta(seconds=1)) == {}
    # The same moment in another time zone, or naive (taken as UTC), counts the same.
    amsterdam = dt.timezone(dt.timedelta(hours=2))
    assert await store.outcome_counts_since((NOW - dt.timedelta(days=7)).astimezone(amsterdam)) == {
        "answer": 2,
        "clarify": 1,
    }
    assert await store.outcome_counts_since((NOW - dt.timedelta(days=7)).replace(tzinfo=None)) == {
        "answer": 2,
        "clarify": 1,
    }
    assert await store.outcome_counts_since(dt.datetime.min.replace(tzinfo=dt.UTC)) == await store.outcome_counts()
    assert await store.feedback_totals() == (2, 1)


# Writing behind: events and feedback are queued and written together


def events_in_file(path: Path) -> int:
    return int(query(path, "SELECT COUNT(*) FROM events")[0][0])


async def test_recorded_rows_wait_in_the_queue_until_the_delay_has_passed(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=0.05))
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    await store.record_feedback(RAW_USER, "adres", helpful=True)
    assert store.queued == 2
    assert events_in_file(db_path) == 0  # nothing written yet: no database round trip per reply
    await asyncio.sleep(0.3)
    assert store.queued == 0
    assert table_counts(db_path) == {"events": 1, "feedback": 1, "preferences": 0, "handoffs": 0}
    # A later row gets a timer of its own.
    await store.record_event(OTHER_USER, Outcome.ANSWER, "adres", 90.0, None)
    await asyncio.sleep(0.3)
    assert events_in_file(db_path) == 2
    await store.close()


async def test_a_long_queue_is_written_without_waiting_for_the_delay(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_module, "FLUSH_ROWS", 5)
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=60))
    for _ in range(4):
        await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    await asyncio.sleep(0.1)
    assert events_in_file(db_path) == 0
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    await asyncio.sleep(0.1)  # the flush runs as a task of its own
    assert events_in_file(db_path) == 5
    assert store.queued == 0
    await store.close()


async def test_reads_see_queued_rows_and_close_writes_them(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=60))
    await store.record_event(RAW_USER, Outcome.ESCALATE, None, 10.0, "merelvraag")
    assert await store.outcome_counts() == {"escalate": 1}  # the read wrote the queue first
    assert events_in_file(db_path) == 1
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    await store.record_feedback(RAW_USER, "adres", helpful=False)
    await store.close()  # as on Ctrl-C: nothing recorded is lost
    assert table_counts(db_path) == {"events": 2, "feedback": 1, "preferences": 0, "handoffs": 0}


async def test_forget_also_removes_rows_still_in_the_queue(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=60))
    await store.record_event(RAW_USER, Outcome.ESCALATE, None, 10.0, "merelvraag")
    await store.record_feedback(RAW_USER, "adres", helpful=True)
    await store.record_event(OTHER_USER, Outcome.ANSWER, "adres", 90.0, None)
    assert await store.forget(RAW_USER) == 2
    await store.close()
    assert table_counts(db_path) == {"events": 1, "feedback": 0, "preferences": 0, "handoffs": 0}
    assert not [c for c in every_cell(db_path) if isinstance(c, str) and "merelvraag" in c]


async def test_without_a_write_delay_every_row_is_written_at_once(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=0))
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    await store.record_feedback(RAW_USER, "adres", helpful=True)
    assert store.queued == 0
    assert table_counts(db_path) == {"events": 1, "feedback": 1, "preferences": 0, "handoffs": 0}
    await store.close()


async def test_a_queue_that_cannot_be_written_is_kept_within_its_bound(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(storage_module, "MAX_QUEUED_ROWS", 3)
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=60))
    assert store._db is not None
    real_executemany = store._db.executemany

    async def disk_full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    real_execute = store._db.execute

    async def no_inserts(sql: str, *args: Any) -> Any:  # one row at a time fails too: the disk is full
        if sql.startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return await real_execute(sql, *args)

    monkeypatch.setattr(store._db, "executemany", disk_full)
    monkeypatch.setattr(store._db, "execute", no_inserts)
    for n in range(5):
        await store.record_event(RAW_USER, Outcome.ANSWER, f"entry-{n}", 90.0, None)
    await store.flush()
    assert store.queued == 3
    assert "Storage: dropped the 2 oldest queued records: the database keeps failing" in caplog.messages
    assert not store._db.in_transaction

    monkeypatch.setattr(store._db, "executemany", real_executemany)
    monkeypatch.setattr(store._db, "execute", real_execute)
    await store.flush()
    assert query(db_path, "SELECT faq_id FROM events ORDER BY id") == [("entry-2",), ("entry-3",), ("entry-4",)]
    await store.close()


async def test_rows_that_cannot_be_written_before_closing_are_counted_in_the_log(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=60))
    assert store._db is not None

    async def disk_full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store._db, "executemany", disk_full)
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    await store.close()
    assert "Storage: 1 records could not be written before closing and are lost" in caplog.messages
    assert not store.enabled


# Handoffs to staff


async def test_handoff_round_trip_and_answering_erases_the_chat_id(store: Storage, db_path: Path) -> None:
    assert await store.open_handoffs() == 0
    await store.record_handoff(RAW_USER, RAW_CHAT, "mag mijn zoon mee op kamp?", STAFF_CHAT, 501)
    await store.record_handoff(OTHER_USER, OTHER_CHAT, "andere vraag", STAFF_CHAT, 502)
    assert await store.open_handoffs() == 2

    handoff = await store.handoff_for(STAFF_CHAT, 501)
    assert isinstance(handoff, Handoff)
    assert (handoff.user_chat_id, handoff.question, handoff.answered) == (RAW_CHAT, "mag mijn zoon mee op kamp?", False)
    assert handoff.created_at.utcoffset() == dt.timedelta(0)
    assert await store.handoff_for(STAFF_CHAT, 999) is None
    assert await store.handoff_for(OTHER_CHAT, 501) is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        handoff.question = "anders"  # type: ignore[misc]
    assert not hasattr(handoff, "__dict__")

    assert await store.mark_handoff_answered(handoff.id) is True
    assert await store.handoff_for(STAFF_CHAT, 501) is None
    assert await store.open_handoffs() == 1
    assert await store.mark_handoff_answered(handoff.id) is False  # twice: only the first call claims it
    assert await store.mark_handoff_answered(12345) is False  # unknown: harmless
    assert await store.open_handoffs() == 1
    other = await store.handoff_for(STAFF_CHAT, 502)
    assert other is not None
    assert other.user_chat_id == OTHER_CHAT
    await store.close()

    rows = query(db_path, "SELECT user, user_chat_id, question, answered_at IS NOT NULL FROM handoffs ORDER BY id")
    assert rows == [
        (store.pseudonym(RAW_USER), None, None, 1),
        (store.pseudonym(OTHER_USER), OTHER_CHAT, "andere vraag", 0),
    ]
    with sqlite3.connect(db_path) as conn:
        dump = "\n".join(conn.iterdump())
    assert str(RAW_CHAT) not in dump
    assert str(RAW_USER) not in dump
    assert "mag mijn zoon mee op kamp" not in dump


async def test_a_handoff_keeps_its_question_even_without_question_text(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path, store_question_text=False))
    await store.record_handoff(RAW_USER, RAW_CHAT, "expliciet naar de medewerkers", STAFF_CHAT, 8)
    handoff = await store.handoff_for(STAFF_CHAT, 8)
    assert handoff is not None
    assert handoff.question == "expliciet naar de medewerkers"
    await store.close()


# Retention


async def fill_at(store: Storage, clock: FakeClock, moment: dt.datetime, user_id: int, chat_id: int, tag: str) -> None:
    """One event, one feedback and one handoff written at `moment`."""
    clock.now = moment
    await store.record_event(user_id, Outcome.ESCALATE, None, 10.0, f"vraag {tag}")
    await store.record_feedback(user_id, "adres", helpful=True)
    await store.record_handoff(user_id, chat_id, f"overdracht {tag}", STAFF_CHAT, abs(hash(tag)) % 10_000)


async def test_purge_older_than_deletes_old_rows_of_every_retained_table(
    store: Storage, db_path: Path, clock: FakeClock
) -> None:
    await fill_at(store, clock, NOW - dt.timedelta(days=200), RAW_USER, RAW_CHAT, "oud")
    await fill_at(store, clock, NOW - dt.timedelta(days=30), RAW_USER, RAW_CHAT, "grens")  # exactly 30 days: kept
    await fill_at(store, clock, NOW - dt.timedelta(days=2), OTHER_USER, OTHER_CHAT, "nieuw")
    clock.now = NOW - dt.timedelta(days=400)
    await store.set_preference(RAW_CHAT, "audience", "ouders")  # preferences are not subject to retention
    clock.now = NOW

    assert await store.purge_older_than(0, now=NOW) == 0
    assert await store.purge_older_than(-5, now=NOW) == 0
    await store.flush()  # events and feedback are written behind; a purge that ran would have flushed
    assert table_counts(db_path) == {"events": 3, "feedback": 3, "preferences": 1, "handoffs": 3}

    assert await store.purge_older_than(30, now=NOW) == 3
    assert table_counts(db_path) == {"events": 2, "feedback": 2, "preferences": 1, "handoffs": 2}
    assert {q.question for q in await store.review_questions()} == {"vraag grens", "vraag nieuw"}
    assert await store.purge_older_than(30, now=NOW) == 0

    # `now` defaults to the clock; the same moment in another time zone purges the same.
    clock.now = NOW + dt.timedelta(days=1)
    assert await store.purge_older_than(30) == 3
    western = dt.timezone(-dt.timedelta(hours=5))
    assert await store.purge_older_than(2, now=NOW.astimezone(western)) == 0  # "nieuw" is exactly 2 days old
    assert await store.purge_older_than(2, now=NOW.replace(tzinfo=None)) == 0  # naive: UTC
    assert await store.purge_older_than(2, now=(NOW + dt.timedelta(seconds=1)).astimezone(western)) == 3
    assert table_counts(db_path) == {"events": 0, "feedback": 0, "preferences": 1, "handoffs": 0}
    assert await store.purge_older_than(10**9, now=NOW) == 0  # no datetime is that old: nothing, no error


@pytest.mark.parametrize(("retention", "left"), [(180, 1), (0, 2)])
async def test_purge_expired_applies_the_configured_retention(
    db_path: Path, clock: FakeClock, retention: int, left: int
) -> None:
    store = await Storage.open(StorageConfig(path=db_path, retention_days=retention))
    assert store.retention_days == retention
    await fill_at(store, clock, NOW - dt.timedelta(days=181), RAW_USER, RAW_CHAT, "oud")
    await fill_at(store, clock, NOW - dt.timedelta(days=179), RAW_USER, RAW_CHAT, "recent")
    clock.now = NOW
    assert await store.purge_expired() == (2 - left) * 3
    await store.close()
    assert table_counts(db_path) == {"events": left, "feedback": left, "preferences": 0, "handoffs": left}


# Forgetting a user


async def test_forget_deletes_every_row_about_the_user_and_nothing_else(store: Storage, db_path: Path) -> None:
    for user, chat, text in ((RAW_USER, RAW_CHAT, "merelvraag"), (OTHER_USER, OTHER_CHAT, "spreeuwvraag")):
        await store.record_event(user, Outcome.ESCALATE, "klachten", 10.0, f"{text} escalated")
        await store.record_event(user, Outcome.ANSWER, "adres", 90.0, None)
        await store.record_feedback(user, "adres", helpful=True)
        await store.set_preference(chat, "audience", "ouders")
        await store.set_preference(user, "audience", "jongeren")  # their private chat: chat id = user id
        await store.record_handoff(user, chat, f"{text} open", STAFF_CHAT, abs(user) % 1000)
        await store.record_handoff(user, chat, f"{text} beantwoord", STAFF_CHAT, abs(user) % 1000 + 1)
        answered = await store.handoff_for(STAFF_CHAT, abs(user) % 1000 + 1)
        assert answered is not None
        await store.mark_handoff_answered(answered.id)
    await store.record_event(None, Outcome.ANSWER, "adres", 90.0, None)
    await store.record_feedback(None, "adres", helpful=False)
    await store.flush()
    before = table_counts(db_path)

    # 2 events, 1 feedback, 2 preferences, 2 handoffs
    assert await store.forget(RAW_USER, RAW_CHAT) == 7
    assert await store.forget(RAW_USER, RAW_CHAT) == 0
    after = table_counts(db_path)
    assert after == {
        "events": before["events"] - 2,
        "feedback": before["feedback"] - 1,
        "preferences": before["preferences"] - 2,
        "handoffs": before["handoffs"] - 2,
    }

    gone = {store.pseudonym(RAW_USER), store.pseudonym(RAW_CHAT), RAW_USER, RAW_CHAT, str(RAW_USER), str(RAW_CHAT)}
    cells = every_cell(db_path)
    assert not gone & set(cells)
    assert not [c for c in cells if isinstance(c, str) and "merelvraag" in c]
    assert store.pseudonym(OTHER_USER) in cells
    assert store.pseudonym(OTHER_CHAT) in cells
    assert OTHER_CHAT in cells
    assert await store.open_handoffs() == 1
    assert await store.get_preference(OTHER_CHAT, "audience") == "ouders"
    assert await store.get_preference(RAW_CHAT, "audience") is None
    assert [q.question for q in await store.review_questions()] == ["spreeuwvraag escalated"]
    await store.close()

    # Overwritten on delete and the write-ahead log emptied: the text is gone from the files too.
    files = [p for p in db_path.parent.iterdir() if p.is_file()]
    assert all(b"merelvraag" not in p.read_bytes() for p in files)
    assert any(b"spreeuwvraag" in p.read_bytes() for p in files)


async def test_forget_without_a_chat_id_clears_the_private_chat(store: Storage, db_path: Path) -> None:
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    await store.set_preference(RAW_USER, "audience", "ouders")
    await store.set_preference(OTHER_USER, "audience", "ouders")
    assert await store.forget(RAW_USER) == 2
    assert table_counts(db_path) == {"events": 0, "feedback": 0, "preferences": 1, "handoffs": 0}


async def test_a_failing_forget_deletes_nothing_and_leaves_the_connection_usable(
    store: Storage, db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    await store.record_feedback(RAW_USER, "adres", helpful=True)
    await store.record_handoff(RAW_USER, RAW_CHAT, "vraag", STAFF_CHAT, 1)
    assert store._db is not None
    real_execute = store._db.execute

    async def fails_on_handoffs(sql: str, parameters: Any = None) -> Any:
        if sql.startswith("DELETE FROM handoffs"):
            raise sqlite3.OperationalError("disk I/O error")
        return await real_execute(sql, parameters)

    monkeypatch.setattr(store._db, "execute", fails_on_handoffs)
    assert await store.forget(RAW_USER, RAW_CHAT) == 0
    assert storage_error_records(caplog)
    assert await store.purge_older_than(1, now=NOW + dt.timedelta(days=36500)) == 0
    assert table_counts(db_path) == {"events": 1, "feedback": 1, "preferences": 0, "handoffs": 1}  # rolled back
    assert not store._db.in_transaction

    monkeypatch.setattr(store._db, "execute", real_execute)
    await store.record_event(OTHER_USER, Outcome.ANSWER, "adres", 90.0, None)
    assert await store.forget(RAW_USER, RAW_CHAT) == 3
    assert table_counts(db_path) == {"events": 1, "feedback": 0, "preferences": 0, "handoffs": 0}


async def test_concurrent_writes_purges_and_forgets_do_not_collide(
    store: Storage, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.now = NOW - dt.timedelta(days=100)
    await asyncio.gather(*(store.record_event(OTHER_USER, Outcome.ANSWER, "adres", 90.0, None) for _ in range(5)))
    clock.now = NOW
    results = await asyncio.gather(
        *(store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None) for _ in range(10)),
        store.purge_older_than(30, now=NOW),
        store.forget(RAW_USER, RAW_CHAT),
        store.purge_older_than(30, now=NOW),
        store.forget(RAW_USER, RAW_CHAT),
        *(store.record_feedback(OTHER_USER, "adres", helpful=True) for _ in range(10)),
    )
    assert not storage_error_records(caplog)
    purged = [r for r in results if isinstance(r, int)]
    assert sum(purged) == 5 + 10  # each old event purged once; each of the user's events forgotten once
    assert await store.outcome_counts() == {}
    assert await store.feedback_totals() == (10, 0)


# Pseudonyms and the key


async def test_raw_ids_never_reach_the_database(store: Storage, db_path: Path) -> None:
    await store.record_event(RAW_USER, Outcome.ESCALATE, "klachten", 12.0, "een vraag")
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 95.0, None)
    await store.record_feedback(RAW_USER, "adres", helpful=True)
    await store.set_preference(RAW_CHAT, "language", "nl")

    # Before close: the rows may still sit in the write-ahead log.
    files = [p for p in db_path.parent.iterdir() if p != key_path(db_path)]
    for raw in (str(RAW_USER), str(RAW_CHAT), str(abs(RAW_CHAT))):
        assert all(raw.encode() not in p.read_bytes() for p in files), raw
    await store.close()

    with sqlite3.connect(db_path) as conn:
        dump = "\n".join(conn.iterdump())
    assert store.pseudonym(RAW_USER) in dump
    assert store.pseudonym(RAW_CHAT) in dump
    for raw in (str(RAW_USER), str(abs(RAW_CHAT))):
        assert raw not in dump
        assert all(raw.encode() not in p.read_bytes() for p in db_path.parent.iterdir() if p.is_file())


async def test_generated_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = await Storage.open(StorageConfig(path=path))
    pseudonym = first.pseudonym(RAW_USER)
    await first.close()

    key_file = key_path(path)
    assert key_file == tmp_path / "bot.sqlite3.key"
    key = key_file.read_text().strip()
    assert len(key) == 64
    int(key, 16)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert pseudonym == expected_pseudonym(key, RAW_USER)
    assert len(pseudonym) == 32

    again = await Storage.open(StorageConfig(path=path))
    assert again.pseudonym(RAW_USER) == pseudonym
    await again.close()
    assert key_file.read_text().strip() == key

    elsewhere = await Storage.open(StorageConfig(path=tmp_path / "other" / "bot.sqlite3"))
    assert elsewhere.pseudonym(RAW_USER) != pseudonym
    await elsewhere.close()


async def test_configured_key_is_used_and_no_key_file_is_made(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path, pseudonym_key="config-key"))
    assert store.pseudonym(RAW_USER) == expected_pseudonym("config-key", RAW_USER)
    assert store.pseudonym(RAW_USER) != store.pseudonym(RAW_USER + 1)
    await store.close()
    assert not key_path(db_path).exists()


async def test_environment_key_wins_over_config(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "environment-key")
    store = await Storage.open(StorageConfig(path=db_path, pseudonym_key="config-key"))
    assert store.pseudonym(RAW_USER) == expected_pseudonym("environment-key", RAW_USER)
    assert store.pseudonym(RAW_USER) != expected_pseudonym("config-key", RAW_USER)
    await store.close()


async def test_a_lost_key_file_with_existing_data_is_warned_about(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await (await Storage.open(StorageConfig(path=db_path))).close()
    key_path(db_path).unlink()
    store = await Storage.open(StorageConfig(path=db_path))
    assert store.enabled
    await store.close()
    assert any("missing" in r.getMessage() for r in storage_error_records(caplog))


async def test_an_empty_key_file_disables_storage_rather_than_replacing_it(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path.parent.mkdir(parents=True)
    key_path(db_path).write_text("")
    store = await Storage.open(StorageConfig(path=db_path))
    assert not store.enabled
    assert key_path(db_path).read_text() == ""
    assert any("empty" in r.getMessage() for r in storage_error_records(caplog))


# Failing safely


async def test_a_failing_connection_is_logged_and_does_not_raise(
    store: Storage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    assert store._db is not None
    monkeypatch.setattr(store._db, "execute", broken)
    monkeypatch.setattr(store._db, "execute_fetchall", broken)

    await store.record_event(RAW_USER, Outcome.ESCALATE, None, 1.0, "vraag")
    assert store.queued == 1
    assert not storage_error_records(caplog)  # queued: nothing written yet
    await store.flush()
    records = storage_error_records(caplog)
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "disk I/O error" in caplog.text
    assert store.queued == 1  # kept for the next try

    await store.record_feedback(RAW_USER, "adres", helpful=True)
    await store.set_preference(RAW_CHAT, "language", "nl")
    assert await store.get_preference(RAW_CHAT, "language") is None
    assert await store.feedback_counts() == {}
    assert await store.review_questions() == []
    assert await store.outcome_counts() == {}
    # set_preference, then each of the four reads: the queue's flush and the read itself.
    assert len(storage_error_records(caplog)) == 1 + 1 + 4 * 2
    assert "vraag" not in caplog.text  # the question text never reaches the log

    monkeypatch.undo()
    await store.record_feedback(RAW_USER, "adres", helpful=True)
    assert await store.feedback_counts() == {"adres": (2, 0)}  # the rows that failed to write were kept
    assert await store.outcome_counts() == {"escalate": 1}
    assert store.queued == 0


async def test_the_new_methods_fail_safely_too(
    store: Storage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    assert store._db is not None
    monkeypatch.setattr(store._db, "execute", broken)
    monkeypatch.setattr(store._db, "execute_fetchall", broken)

    await store.record_handoff(RAW_USER, RAW_CHAT, "geheime overdracht", STAFF_CHAT, 3)
    assert await store.handoff_for(STAFF_CHAT, 3) is None
    await store.mark_handoff_answered(1)
    assert await store.open_handoffs() == 0
    assert await store.purge_older_than(30) == 0
    assert await store.purge_expired() == 0
    assert await store.forget(RAW_USER, RAW_CHAT) == 0
    assert await store.outcome_counts_since(NOW) == {}
    assert await store.feedback_totals() == (0, 0)
    assert len(storage_error_records(caplog)) >= 9
    assert "geheime overdracht" not in caplog.text

    monkeypatch.undo()
    await store.record_handoff(RAW_USER, RAW_CHAT, "vraag", STAFF_CHAT, 3)
    assert await store.open_handoffs() == 1


async def test_a_connection_closed_underneath_is_logged_and_does_not_raise(
    store: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    assert store._db is not None
    await store._db.close()
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    assert await store.outcome_counts() == {}
    assert storage_error_records(caplog)
    await store.close()
    await store.close()
    assert not store.enabled


async def test_close_is_safe_twice_and_a_closed_storage_does_nothing(store: Storage) -> None:
    await store.close()
    await store.close()
    assert not store.enabled
    await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
    assert await store.outcome_counts() == {}


async def exercise_every_method(store: Storage) -> None:
    assert len(store.pseudonym(RAW_USER)) == 32
    await store.record_event(RAW_USER, Outcome.ESCALATE, None, 1.0, "vraag")
    await store.record_event(None, Outcome.CRISIS, None, 0.0, CRISIS_TEXT)
    await store.record_feedback(RAW_USER, "adres", helpful=False)
    await store.set_preference(RAW_CHAT, "language", "nl")
    assert await store.get_preference(RAW_CHAT, "language") is None
    assert await store.feedback_counts() == {}
    assert await store.review_questions() == []
    assert await store.outcome_counts() == {}
    await store.record_handoff(RAW_USER, RAW_CHAT, "vraag", STAFF_CHAT, 1)
    assert await store.handoff_for(STAFF_CHAT, 1) is None
    await store.mark_handoff_answered(1)
    assert await store.open_handoffs() == 0
    assert await store.purge_older_than(30) == 0
    assert await store.purge_expired() == 0
    assert await store.forget(RAW_USER, RAW_CHAT) == 0
    assert await store.outcome_counts_since(NOW) == {}
    assert await store.feedback_totals() == (0, 0)
    await store.close()
    await store.close()


def under_a_regular_file(tmp_path: Path) -> Path:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    return blocker / "data" / "bot.sqlite3"


def a_directory(tmp_path: Path) -> Path:
    folder = tmp_path / "bot.sqlite3"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("make_path", [under_a_regular_file, a_directory], ids=["under-a-file", "a-directory"])
async def test_an_impossible_path_gives_a_disabled_storage(
    tmp_path: Path, make_path: Callable[[Path], Path], caplog: pytest.LogCaptureFixture
) -> None:
    store = await Storage.open(StorageConfig(path=make_path(tmp_path)))
    assert not store.enabled
    assert storage_error_records(caplog)
    await exercise_every_method(store)


async def test_a_folder_as_database_path_is_named_in_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = await Storage.open(StorageConfig(path=a_directory(tmp_path)))
    assert not store.enabled
    assert any("is a folder" in r.getMessage() for r in storage_error_records(caplog))


async def test_the_disabled_storage_does_nothing() -> None:
    store = Storage.disabled()
    assert not store.enabled
    await exercise_every_method(store)


# Bad rows never poison storage


LONE_SURROGATE = "vraag \ud800 met een kapot teken"


@pytest.mark.parametrize("write_delay", [0, 60])
async def test_text_with_a_lone_surrogate_or_nul_is_stored_sanitised(db_path: Path, write_delay: float) -> None:
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=write_delay))
    await store.record_event(RAW_USER, Outcome.ESCALATE, "id-\udfff", 10.0, LONE_SURROGATE + "\x00")
    await store.record_feedback(RAW_USER, "adres\ud83d", helpful=True)
    await store.record_handoff(RAW_USER, RAW_CHAT, LONE_SURROGATE, STAFF_CHAT, 9)
    await store.record_event(RAW_USER, Outcome.ESCALATE, None, 10.0, "een gewone vraag")
    await store.close()
    assert query(db_path, "SELECT faq_id, question FROM events ORDER BY id") == [
        ("id-\ufffd", "vraag \ufffd met een kapot teken\ufffd"),
        (None, "een gewone vraag"),
    ]
    assert query(db_path, "SELECT faq_id FROM feedback") == [("adres\ufffd",)]
    assert query(db_path, "SELECT question FROM handoffs") == [("vraag \ufffd met een kapot teken",)]


async def test_a_row_that_cannot_be_written_is_dropped_and_the_rest_of_the_batch_kept(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=60))
    for n in range(3):
        await store.record_event(RAW_USER, Outcome.ANSWER, f"entry-{n}", 90.0, None)
    await store.record_event(RAW_USER, Outcome.ANSWER, "bad", float("nan"), None)  # NaN is NULL: NOT NULL fails
    for n in range(3, 6):
        await store.record_event(RAW_USER, Outcome.ANSWER, f"entry-{n}", 90.0, None)
    await store.flush()
    assert store.queued == 0
    await store.record_event(RAW_USER, Outcome.ANSWER, "later", 90.0, None)  # later batches are not poisoned
    await store.close()
    written = [faq for (faq,) in query(db_path, "SELECT faq_id FROM events ORDER BY id")]
    assert written == [f"entry-{n}" for n in range(6)] + ["later"]
    assert any("dropped one record that cannot be written" in m for m in caplog.messages)


async def test_question_text_is_kept_up_to_what_matching_reads(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path), question_chars=50)
    await store.record_event(RAW_USER, Outcome.ESCALATE, None, 10.0, "x" * 49 + " " + "y" * 500)
    await store.close()
    assert query(db_path, "SELECT question FROM events") == [("x" * 49,)]


async def test_feedback_counts_once_per_person_and_message(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=60))
    for _ in range(100):  # a replayed press
        await store.record_feedback(RAW_USER, "adres", helpful=True, message=(RAW_CHAT, 7))
    await store.record_feedback(RAW_USER, "adres", helpful=False, message=(RAW_CHAT, 8))  # another answer
    await store.record_feedback(OTHER_USER, "adres", helpful=True, message=(RAW_CHAT, 7))  # someone else
    await store.record_feedback(RAW_USER, "adres", helpful=True, message=(OTHER_CHAT, 7))  # same id, other chat
    assert await store.feedback_counts() == {"adres": (3, 1)}
    await store.close()
    stored = {m for (m,) in query(db_path, "SELECT message FROM feedback")}
    assert all(len(m) == 32 and str(RAW_CHAT) not in m for m in stored)  # a keyed hash, not the ids


async def test_the_inbox_keeps_an_update_until_done_and_erases_it_then(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path))
    assert await store.inbox_add(5, '{"update_id": 5}') is True
    assert await store.inbox_add(5, '{"update_id": 5}') is False
    assert await store.inbox_add(6, '{"update_id": 6}') is True
    assert [(i.update_id, i.attempts) for i in await store.inbox_open()] == [(5, 0), (6, 0)]
    await store.inbox_attempt(6)
    await store.inbox_done(5)
    assert [(i.update_id, i.attempts) for i in await store.inbox_open()] == [(6, 1)]
    await store.close()
    assert query(db_path, "SELECT update_id, payload FROM inbox WHERE done_at IS NOT NULL") == [(5, None)]


async def test_rows_of_an_update_in_hand_are_written_with_its_done_mark(db_path: Path) -> None:
    store = await Storage.open(StorageConfig(path=db_path, write_delay_seconds=0))
    await store.inbox_add(9, "{}")
    token = storage_module.UPDATE_IN_HAND.set(9)
    try:
        await store.record_event(RAW_USER, Outcome.ANSWER, "adres", 90.0, None)
        await store.flush()
        assert events_in_file(db_path) == 0  # held back, even with no write delay
    finally:
        storage_module.UPDATE_IN_HAND.reset(token)
    await store.inbox_done(9)
    assert events_in_file(db_path) == 1
    assert query(db_path, "SELECT done_at IS NOT NULL FROM inbox") == [(1,)]
    await store.close()

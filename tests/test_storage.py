"""Storage: schema and migrations, pseudonyms and their key, privacy of question text, and failing safely."""

from __future__ import annotations

import ast
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
from bot.storage import MIGRATIONS, Migration, ReviewQuestion, Storage, key_path

RAW_USER = 987_654_321_123
RAW_CHAT = -100_555_444_333
CRISIS_TEXT = "ik wil niet meer leven zwaluwstaart"
ANSWER_TEXT = "hoe laat gaat het jongerencentrum open kievitsbloem"


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


# Schema and migrations


async def test_first_open_creates_folder_file_tables_and_version(db_path: Path) -> None:
    assert not db_path.parent.exists()
    store = await Storage.open(StorageConfig(path=db_path))
    await store.close()
    assert db_path.is_file()
    tables = {name for (name,) in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"events", "feedback", "preferences"}
    assert query(db_path, "PRAGMA user_version") == [(1,)]
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
    assert query(db_path, "PRAGMA user_version") == [(1,)]


async def test_a_new_migration_is_applied_once_in_order(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await (await Storage.open(StorageConfig(path=db_path))).close()
    extra = Migration(2, "notes", ("CREATE TABLE notes (text TEXT)", "INSERT INTO notes VALUES ('v2')"))
    monkeypatch.setattr(storage_module, "MIGRATIONS", (*MIGRATIONS, extra))
    for _ in range(2):
        store = await Storage.open(StorageConfig(path=db_path))
        assert store.enabled
        await store.close()
    assert query(db_path, "PRAGMA user_version") == [(2,)]
    assert query(db_path, "SELECT text FROM notes") == [("v2",)]


async def test_a_failing_migration_is_rolled_back_and_disables_storage(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await (await Storage.open(StorageConfig(path=db_path))).close()
    broken = Migration(2, "broken", ("CREATE TABLE notes (text TEXT)", "THIS IS NOT SQL"))
    monkeypatch.setattr(storage_module, "MIGRATIONS", (*MIGRATIONS, broken))
    store = await Storage.open(StorageConfig(path=db_path))
    assert not store.enabled
    assert storage_error_records(caplog)
    assert query(db_path, "PRAGMA user_version") == [(1,)]
    assert not query(db_path, "SELECT name FROM sqlite_master WHERE name = 'notes'")


async def test_a_database_from_a_newer_bot_is_left_alone(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    await (await Storage.open(StorageConfig(path=db_path))).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 99")
    store = await Storage.open(StorageConfig(path=db_path))
    assert not store.enabled
    assert any("newer" in r.getMessage() for r in storage_error_records(caplog))
    assert query(db_path, "PRAGMA user_version") == [(99,)]


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
    records = storage_error_records(caplog)
    assert len(records) == 1
    assert records[0].exc_info is not None
    assert "disk I/O error" in caplog.text

    await store.record_feedback(RAW_USER, "adres", helpful=True)
    await store.set_preference(RAW_CHAT, "language", "nl")
    assert await store.get_preference(RAW_CHAT, "language") is None
    assert await store.feedback_counts() == {}
    assert await store.review_questions() == []
    assert await store.outcome_counts() == {}
    assert len(storage_error_records(caplog)) == 7
    assert "vraag" not in caplog.text  # the question text never reaches the log

    monkeypatch.undo()
    await store.record_feedback(RAW_USER, "adres", helpful=True)
    assert await store.feedback_counts() == {"adres": (1, 0)}


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


async def test_the_disabled_storage_does_nothing() -> None:
    store = Storage.disabled()
    assert not store.enabled
    await exercise_every_method(store)


def test_storage_does_not_import_telegram() -> None:
    tree = ast.parse(Path(storage_module.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not any(n == "telegram" or n.startswith("telegram.") for n in names)

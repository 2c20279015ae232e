"""The database, its write-ahead log and the key are readable by the bot's user only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import StorageConfig
from bot.replies import Outcome
from bot.storage import Storage


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask a system might have: the bot must not rely on it."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("open_umask")
async def test_a_new_database_is_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    storage = await Storage.open(StorageConfig(path=path))  # no key configured: a key file is made
    await storage.record_event(1, Outcome.ESCALATE, None, 10.0, "een vraag")
    await storage.flush()
    files = [
        path,
        path.with_name("bot.sqlite3-wal"),
        path.with_name("bot.sqlite3-shm"),
        path.with_name("bot.sqlite3.key"),
    ]
    try:
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert mode(path.parent) == 0o700
    finally:
        await storage.close()


@pytest.mark.usefixtures("open_umask")
async def test_files_of_an_older_version_are_made_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    await (await Storage.open(StorageConfig(path=path))).close()
    for p in (path.parent, path, path.with_name("bot.sqlite3.key")):
        p.chmod(0o755 if p.is_dir() else 0o644)
    storage = await Storage.open(StorageConfig(path=path))
    await storage.close()
    assert (mode(path.parent), mode(path), mode(path.with_name("bot.sqlite3.key"))) == (0o700, 0o600, 0o600)


async def test_a_shared_folder_is_left_open_but_the_files_are_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tmp_path.chmod(0o755)
    (tmp_path / "notes.txt").write_text("iets anders", encoding="utf-8")
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(StorageConfig(path=path, pseudonym_key="k"))
    await storage.close()
    assert mode(tmp_path) == 0o755  # someone else's folder: not changed behind their back
    assert mode(path) == 0o600
    assert any("chmod 700" in message for message in caplog.messages)

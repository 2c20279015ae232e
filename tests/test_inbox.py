"""The durable inbox: nothing lost on a crash, nothing handled twice but the reply in flight.

The kill tests run the bot as `make run` does, in its own process against the fake Bot API,
kill it with SIGKILL in the middle of a burst, start it again and count the replies.
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from telegram import Bot

from bot.config import Config, StorageConfig, TelegramConfig
from bot.inbox import Inbox
from bot.knowledge import Knowledge
from bot.storage import Storage
from bot.telegram_app import build_application
from tests.bot_process import start_bot, stop, until, write_config
from tests.conftest import OPEN_MOMENT
from tests.fake_bot_api import DEFAULT_TOKEN, Call, FakeBotApi
from tests.live_bot import running_bot
from tests.offline_request import text_update

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "wat doet een jongerenwerker?"
CHATS = 40
PER_CHAT = 3
CONCURRENT = 4


def count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def test_an_update_received_twice_is_handled_once(tmp_path: Path) -> None:
    storage = await Storage.open(StorageConfig(path=tmp_path / "bot.sqlite3", pseudonym_key="k"))
    inbox = Inbox()
    bot = Bot(DEFAULT_TOKEN)
    inbox.attach(None, storage)  # no application needed to keep and mark updates
    update = text_update(bot, QUESTION)
    assert await inbox.received(update) is True
    assert await inbox.received(update) is False  # Telegram sent it again: already kept
    await inbox.finished(update)
    assert await inbox.received(update) is False  # also once it is done
    await storage.close()
    assert count(tmp_path / "bot.sqlite3", "SELECT COUNT(*) FROM inbox WHERE payload IS NULL") == 1


async def test_without_storage_every_update_is_handled(tmp_path: Path) -> None:
    inbox = Inbox()
    inbox.attach(None, Storage.disabled())
    update = text_update(Bot(DEFAULT_TOKEN), QUESTION)
    assert await inbox.received(update) is True
    assert await inbox.received(update) is True


def stored_update(update_id: int, chat: int, text: str) -> str:
    message = {
        "message_id": update_id,
        "date": 1_780_000_000,
        "chat": {"id": chat, "type": "private", "first_name": "T"},
        "from": {"id": chat, "is_bot": False, "first_name": "T"},
        "text": text,
    }
    return json.dumps({"update_id": update_id, "message": message})


async def test_unfinished_updates_are_answered_first_in_order_and_only_once_more(
    tmp_path: Path, knowledge: Knowledge
) -> None:
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(StorageConfig(path=path, pseudonym_key="k"))
    await storage.inbox_add(1, stored_update(1, 71, "hoi"))  # never started before the crash
    await storage.inbox_add(2, stored_update(2, 71, QUESTION))
    await storage.inbox_add(3, stored_update(3, 72, QUESTION))
    await storage.inbox_attempt(3)  # already handed out again after an earlier crash: skipped now
    await storage.inbox_add(4, stored_update(4, 73, QUESTION))
    await storage.inbox_done(4)  # answered before the crash
    await storage.close()
    async with FakeBotApi(token=DEFAULT_TOKEN) as server:
        config = Config(
            telegram=TelegramConfig(token=DEFAULT_TOKEN, base_url=server.base_url, reload_seconds=0),
            storage=StorageConfig(path=path, pseudonym_key="k"),
        )
        async with running_bot(config, knowledge):
            replies = await server.wait_for_calls("sendMessage", 2, lambda c: c.ok)
            server.push_text(74, QUESTION)  # new messages come after the replayed ones
            await server.wait_for_call("sendMessage", lambda c: c.ok and c.chat_id == 74)
        assert [c.chat_id for c in server.calls_to("sendMessage")] == [71, 71, 74]
        first, second = (str(c.text) for c in replies[:2])
        assert first.startswith("Hoi") and "jongerenwerker" in second
    assert count(path, "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL") == 0
    assert count(path, "SELECT attempts FROM inbox WHERE update_id = 2") == 1
    assert count(path, "SELECT COUNT(*) FROM events") == 3  # 1 and 2 replayed, and the new one


# --- kill -9 in the middle of a burst -----------------------------------------------------------


def replies(server: FakeBotApi) -> dict[int, int]:
    return {chat: len(server.sent_messages(chat)) for chat in range(1, CHATS + 1)}


def fetched(server: FakeBotApi) -> bool:
    return any(c.method == "getUpdates" and c.result for c in server.calls)


def answered(at_least: int) -> Callable[[FakeBotApi], bool]:
    def check(server: FakeBotApi) -> bool:
        return sum(1 for c in server.calls if c.method == "sendMessage" and c.ok) >= at_least

    return check


@pytest.mark.parametrize(
    "moment",
    [fetched, answered(40), answered(80)],
    ids=["right after fetching", "after 40 replies", "after 80 replies"],
)
async def test_kill_9_mid_burst_then_restart_answers_every_message(
    tmp_path: Path, moment: Callable[[FakeBotApi], bool]
) -> None:
    async with FakeBotApi(token=DEFAULT_TOKEN, response_delay=0.005) as server:
        config = write_config(tmp_path, server, {"concurrent_updates": CONCURRENT, "max_queued_per_chat": 10})
        log = tmp_path / "bot.log"
        for _ in range(PER_CHAT):
            for chat in range(1, CHATS + 1):
                server.push_text(chat, QUESTION)
        bot = await start_bot(config, log)
        try:
            await until(lambda: moment(server), 30, "the kill moment", log)
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            before = sum(replies(server).values())
            bot = await start_bot(config, log)
            await until(lambda: min(replies(server).values()) >= PER_CHAT, 30, "every chat answered", log)
            assert await stop(bot) == 0  # a graceful stop stores everything
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
        got = replies(server)
        doubles = sum(got.values()) - CHATS * PER_CHAT
        # Every message answered; a second reply only for what was in flight at the kill
        # (at most one per chat, at most one per update being handled at once).
        assert min(got.values()) == PER_CHAT
        assert max(got.values()) <= PER_CHAT + 1
        assert 0 <= doubles <= CONCURRENT
        assert before < CHATS * PER_CHAT  # the kill really came mid-burst
        sends: list[Call] = server.calls_to("sendMessage")
        assert all(c.ok for c in sends)
    db = tmp_path / "bot.sqlite3"
    # One event per message: a reply's event is committed with its done mark, so a crash keeps both or neither.
    assert count(db, "SELECT COUNT(*) FROM events") == CHATS * PER_CHAT
    assert count(db, "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL") == 0


# --- webhook: on disk before the 200 ----------------------------------------------------------


async def test_a_webhook_update_is_on_disk_before_telegram_gets_its_200(tmp_path: Path, knowledge: Knowledge) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    secret = "geheim-token-van-32-tekens-lang"
    path = tmp_path / "bot.sqlite3"
    async with FakeBotApi(token=DEFAULT_TOKEN, response_delay=0.3) as server:  # replies are slow
        config = Config(
            telegram=TelegramConfig(token=DEFAULT_TOKEN, base_url=server.base_url, reload_seconds=0),
            storage=StorageConfig(path=path, pseudonym_key="k"),
        )
        app = build_application(config, knowledge, clock=lambda: OPEN_MOMENT)
        assert app.updater is not None and app.post_init is not None and app.post_shutdown is not None
        async with app:
            await app.post_init(app)
            await app.start()
            await app.updater.start_webhook(
                listen="127.0.0.1", port=port, url_path="tg", secret_token=secret, webhook_url="https://x.example/tg"
            )
            try:
                url = f"http://127.0.0.1:{port}/tg"
                body = json.loads(stored_update(501, 81, QUESTION))
                async with httpx.AsyncClient() as client:
                    forged = await client.post(url, json=body)
                    answered = await client.post(url, json=body, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                assert forged.status_code == 403
                assert answered.status_code == 200
                # The reply takes a while yet, but the update is already safe on disk.
                assert count(path, "SELECT COUNT(*) FROM inbox WHERE update_id = 501 AND done_at IS NULL") == 1
                await server.wait_for_call("sendMessage", lambda c: c.ok and c.chat_id == 81)
            finally:
                await app.updater.stop()
                await app.stop()
                await app.post_shutdown(app)
    assert count(path, "SELECT COUNT(*) FROM inbox WHERE update_id = 501 AND done_at IS NOT NULL") == 1
    assert len(server.sent_messages(81)) == 1

"""Measure what issue 10 measured, at real timings (a tool, not a test; takes a few minutes).

Against the fake Bot API (tests/fake_bot_api.py, 127.0.0.1 only), with the bot's default
delivery settings (retry for 60 s, backoff from 0.5 s to 8 s, PTB's 5 s read timeout, 30
messages per second overall, at most 5 waiting messages per chat):

1. kill -9 of the bot (its own process, as `make run` starts it) 2, 3, 5 and 7 s into a burst
   of 300 queued messages (100 chats, 3 each), then a restart and a graceful stop: messages
   never answered, extra replies, and event rows against messages.
2. 400 messages (100 chats, 4 each) with, mid-burst, 20 x 502 or 20 x 500 on sendMessage, a
   10 s outage (every request dropped), or 20 sendMessage calls answered only after 7 s:
   replies delivered, doubles, apologies, event rows.
3. One user sends 500 messages in 10 s under flood control of 1 message per second per chat,
   while 15 others each ask one question during those 10 s: how long the others wait for
   their reply, and what the flooding user gets.

The tests (tests/test_inbox.py, test_delivery.py, test_fairness.py) assert the same counts at
scaled-down timings; this script gives the figures at real ones.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Config, StorageConfig, TelegramConfig  # noqa: E402
from bot.knowledge import Knowledge, require_knowledge  # noqa: E402
from tests.bot_process import start_bot, stop, until, write_config  # noqa: E402
from tests.fake_bot_api import DEFAULT_TOKEN, Call, FakeBotApi  # noqa: E402
from tests.live_bot import running_bot  # noqa: E402

QUESTION = "wat doet een jongerenwerker?"
APOLOGY = "Sorry"


def count(database: Path, sql: str) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return int(db.execute(sql).fetchone()[0])


def replies(server: FakeBotApi, chats: range) -> dict[int, int]:
    return {chat: len(server.sent_messages(chat)) for chat in chats}


# --- 1. kill -9 mid-burst ------------------------------------------------------------------------


async def kill_and_restart(seconds: float, folder: Path) -> str:
    chats, per_chat = range(1, 101), 3
    async with FakeBotApi(token=DEFAULT_TOKEN, response_delay=0.02) as server:
        config = write_config(folder, server)
        log = folder / "bot.log"
        for _ in range(per_chat):
            for chat in chats:
                server.push_text(chat, QUESTION)
        bot = await start_bot(config, log)
        await until(lambda: bool(server.calls_to("setMyCommands")), 60, "start-up", log)
        await asyncio.sleep(seconds)
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        before = sum(replies(server, chats).values())
        bot = await start_bot(config, log)
        with contextlib.suppress(AssertionError):
            await until(lambda: min(replies(server, chats).values()) >= per_chat, 120, "all answered", log)
        await stop(bot)
        got = replies(server, chats)
    messages = len(chats) * per_chat
    unanswered = sum(max(0, per_chat - n) for n in got.values())
    doubles = sum(max(0, n - per_chat) for n in got.values())
    events = count(folder / "bot.sqlite3", "SELECT COUNT(*) FROM events")
    return (
        f"kill -9 {seconds:g} s into a burst of {messages} ({before} answered before the kill), restart | "
        f"{unanswered} never answered, {doubles} answered twice, {events} event rows for {messages} messages"
    )


# --- 2. faults on sendMessage ---------------------------------------------------------------------


async def through_fault(name: str, fault: Callable[[FakeBotApi], None], knowledge: Knowledge, folder: Path) -> str:
    chats, per_chat = range(1, 101), 4
    async with FakeBotApi(token=DEFAULT_TOKEN) as server:
        config = Config(
            telegram=TelegramConfig(token=DEFAULT_TOKEN, base_url=server.base_url, reload_seconds=0),
            storage=StorageConfig(path=folder / "bot.sqlite3", pseudonym_key="test-key"),
        )
        started = time.monotonic()
        async with running_bot(config, knowledge):
            await server.wait_for_call("setMyCommands")
            for _ in range(per_chat):
                for chat in chats:
                    server.push_text(chat, QUESTION)
            await server.wait_for_calls("sendMessage", 40, lambda c: c.ok, timeout=60)
            fault(server)
            with contextlib.suppress(AssertionError):
                await server.wait_for_calls("sendMessage", len(chats) * per_chat, lambda c: c.ok, timeout=180)
            await asyncio.sleep(1)  # any late double or apology
        took = time.monotonic() - started
        got = replies(server, chats)
        apologies = sum(APOLOGY in text for text in server.sent_texts())
    messages = len(chats) * per_chat
    delivered = sum(min(n, per_chat) for n in got.values())
    doubles = sum(max(0, n - per_chat) for n in got.values())
    events = count(folder / "bot.sqlite3", "SELECT COUNT(*) FROM events")
    return (
        f"{name} | {delivered} of {messages} delivered, {doubles} doubles, {apologies} apologies, "
        f"{events} event rows ({took:.0f} s in all)"
    )


def to_chat(chat: int) -> Callable[[Call], bool]:
    return lambda call: call.ok and call.chat_id == chat


# --- 3. one user floods -------------------------------------------------------------------------------


async def flood(knowledge: Knowledge, folder: Path) -> str:
    flooder, others = 9000, range(1, 16)
    async with FakeBotApi(token=DEFAULT_TOKEN, flood_interval=1.0) as server:
        config = Config(
            telegram=TelegramConfig(token=DEFAULT_TOKEN, base_url=server.base_url, reload_seconds=0),
            storage=StorageConfig(path=folder / "bot.sqlite3", pseudonym_key="test-key"),
        )
        asked: dict[int, float] = {}
        async with running_bot(config, knowledge):
            await server.wait_for_call("setMyCommands")
            start = time.monotonic()
            for n in range(500):  # 500 in 10 s; one of the others every 20 of them
                server.push_text(flooder, QUESTION)
                if n % 33 == 16 and len(asked) < len(others):
                    chat = others[len(asked)]
                    asked[chat] = time.monotonic()
                    server.push_text(chat, "wat is het mailadres van de advieslijn?")
                await asyncio.sleep(max(0.0, start + (n + 1) * 0.02 - time.monotonic()))
            for chat in others:
                await server.wait_for_call("sendMessage", to_chat(chat), timeout=120)
            await asyncio.sleep(5)
        waits = []
        for chat in others:
            first = min(c.answered_at or 0 for c in server.calls_to("sendMessage") if c.ok and c.chat_id == chat)
            waits.append(first - asked[chat])
        texts = server.sent_texts(flooder)
        notices = sum(t.startswith("Even rustig aan") for t in texts)
    return (
        "one user sends 500 messages in 10 s (flood control 1 msg/s per chat); 15 others ask meanwhile | "
        f"the others' replies after {statistics.median(waits):.2f} s median, {max(waits):.2f} s at most; "
        f"the flooding user got {len(texts) - notices} answers and {notices} 'even rustig aan'"
    )


async def main_async(args: argparse.Namespace) -> None:
    knowledge = require_knowledge(ROOT / "knowledge")
    rows: list[str] = []

    def show(row: str) -> None:
        rows.append(row)
        print(row, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        if "kill" in args.only:
            for n, seconds in enumerate(args.kill_seconds):
                folder = base / f"kill-{n}"
                folder.mkdir()
                show(await kill_and_restart(seconds, folder))
        if "faults" in args.only:
            faults: list[tuple[str, Callable[[FakeBotApi], None]]] = [
                ("20 x 502 on sendMessage", lambda s: s.fail_next("sendMessage", status=502, times=20)),
                ("20 x 500 on sendMessage", lambda s: s.fail_next("sendMessage", status=500, times=20)),
                ("a 10 s outage", lambda s: s.outage(10.0)),
                ("20 sendMessage answered after 7 s", lambda s: s.answer_late("sendMessage", 7.0, times=20)),
            ]
            for n, (name, fault) in enumerate(faults):
                folder = base / f"fault-{n}"
                folder.mkdir()
                show(await through_fault(name, fault, knowledge, folder))
        if "flood" in args.only:
            folder = base / "flood"
            folder.mkdir()
            show(await flood(knowledge, folder))
    print("\n| what was done | what happens now |\n| --- | --- |")
    for row in rows:
        print(f"| {row} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kill-seconds", type=float, nargs="*", default=[2, 3, 5, 7])
    parser.add_argument("--only", nargs="*", default=["kill", "faults", "flood"], choices=["kill", "faults", "flood"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the injected faults make PTB log every failed request
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

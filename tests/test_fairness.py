"""Fair turns: a chat's updates in order, chats side by side, a cap per chat ("even rustig aan").

The processor is driven with scripted handling (events, no timing); the flood test runs the
whole bot against the fake Bot API with Telegram-like flood control per chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Bot, Update

from bot.config import Config, StorageConfig, TelegramConfig
from bot.fairness import FairUpdateProcessor
from bot.knowledge import Knowledge
from tests.fake_bot_api import DEFAULT_TOKEN, Call, FakeBotApi
from tests.live_bot import running_bot
from tests.offline_request import text_update

BOT = Bot("123:TEST")


class Hooks:
    """Records what the processor tells the inbox."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []
        self.warned: list[int] = []

    async def starting(self, update: object) -> None:
        assert isinstance(update, Update)
        self.events.append(("start", update.update_id))

    async def finished(self, update: object) -> None:
        assert isinstance(update, Update)
        self.events.append(("done", update.update_id))

    async def overflowed(self, update: object, first: bool) -> None:
        assert isinstance(update, Update)
        self.events.append(("skipped", update.update_id))
        if first:
            self.warned.append(update.update_id)


def message(chat: int) -> Update:
    return text_update(BOT, "vraag", chat_id=chat)


async def handled(log: list[int], update: Update, gate: asyncio.Event | None = None) -> None:
    if gate is not None:
        await gate.wait()
    log.append(update.update_id)


async def feed(processor: FairUpdateProcessor, update: Update, work: Awaitable[None]) -> asyncio.Task[None]:
    task = asyncio.create_task(processor.process_update(update, work))
    await asyncio.sleep(0)  # let it take its place in its lane
    return task


async def test_a_chats_updates_run_one_after_the_other_in_order() -> None:
    processor = FairUpdateProcessor(concurrent=4, per_chat=10, hooks=Hooks())
    log: list[int] = []
    gate = asyncio.Event()
    updates = [message(1) for _ in range(5)]
    tasks = [await feed(processor, u, handled(log, u, gate if i == 0 else None)) for i, u in enumerate(updates)]
    assert log == []  # the first holds the lane; the others wait behind it, not beside it
    gate.set()
    await asyncio.gather(*tasks)
    assert log == [u.update_id for u in updates]


async def test_a_busy_chat_does_not_hold_up_other_chats() -> None:
    processor = FairUpdateProcessor(concurrent=2, per_chat=100, hooks=Hooks())
    log: list[int] = []
    gate = asyncio.Event()  # chat 1's handling hangs until the end
    flood = [message(1) for _ in range(50)]
    tasks = [await feed(processor, u, handled(log, u, gate)) for u in flood]
    others = [message(chat) for chat in range(2, 12)]
    tasks += [await feed(processor, u, handled(log, u)) for u in others]
    while len(log) < len(others):
        await asyncio.sleep(0)
    assert log == [u.update_id for u in others]  # all answered while chat 1 still waits
    gate.set()
    await asyncio.gather(*tasks)


async def test_beyond_the_cap_one_notice_and_the_rest_skipped() -> None:
    hooks = Hooks()
    processor = FairUpdateProcessor(concurrent=4, per_chat=3, hooks=hooks)
    log: list[int] = []
    gate = asyncio.Event()
    flood = [message(1) for _ in range(10)]
    tasks = [await feed(processor, u, handled(log, u, gate)) for u in flood]
    gate.set()
    await asyncio.gather(*tasks)
    ids = [u.update_id for u in flood]
    assert log == ids[:4]  # one being handled and three waiting
    assert hooks.warned == [ids[4]]  # the first beyond the cap gets the notice, once
    assert [i for kind, i in hooks.events if kind == "skipped"] == ids[4:]
    assert sorted(i for kind, i in hooks.events if kind == "done") == ids[:4]
    # Caught up: a new flood later gets a notice again.
    later = [message(1) for _ in range(6)]
    gate2 = asyncio.Event()
    tasks = [await feed(processor, u, handled(log, u, gate2)) for u in later]
    gate2.set()
    await asyncio.gather(*tasks)
    assert hooks.warned == [ids[4], later[4].update_id]


async def test_staff_chats_are_never_capped() -> None:
    hooks = Hooks()
    processor = FairUpdateProcessor(concurrent=4, per_chat=1, exempt=[-700], hooks=hooks)
    log: list[int] = []
    gate = asyncio.Event()
    staff = [text_update(BOT, "antwoord", chat_id=-700, chat_type="supergroup") for _ in range(5)]
    tasks = [await feed(processor, u, handled(log, u, gate)) for u in staff]
    gate.set()
    await asyncio.gather(*tasks)
    assert log == [u.update_id for u in staff] and hooks.warned == []


async def test_at_most_concurrent_updates_run_at_once() -> None:
    processor = FairUpdateProcessor(concurrent=3, per_chat=5, hooks=Hooks())
    running = 0
    most = 0
    gate = asyncio.Event()

    async def work() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await gate.wait()
        running -= 1

    tasks = [await feed(processor, message(chat), work()) for chat in range(1, 11)]
    assert most == 3
    gate.set()
    await asyncio.gather(*tasks)


# --- the whole bot under a flood -------------------------------------------------------------


def to_chat(chat: int) -> Callable[[Call], bool]:
    return lambda call: call.ok and call.chat_id == chat


FLOODER = 9000
OTHERS = range(1, 16)


async def test_while_one_user_floods_the_others_are_answered(tmp_path: Path, knowledge: Knowledge) -> None:
    """500 messages from one chat under flood control per chat; 15 others ask meanwhile."""
    async with FakeBotApi(token=DEFAULT_TOKEN, flood_interval=0.25) as server:
        config = Config(
            telegram=TelegramConfig(
                token=DEFAULT_TOKEN, base_url=server.base_url, max_queued_per_chat=5, max_retries=10, reload_seconds=0
            ),
            storage=StorageConfig(path=tmp_path / "bot.sqlite3", pseudonym_key="test-key"),
        )
        async with running_bot(config, knowledge):
            await server.wait_for_call("setMyCommands")
            for _ in range(500):
                server.push_text(FLOODER, "wat doet een jongerenwerker?")
            for chat in OTHERS:
                server.push_text(chat, "wat is het mailadres van de advieslijn?")
            for chat in OTHERS:
                await server.wait_for_call("sendMessage", to_chat(chat), timeout=30)
            others_done = max(c.index for c in server.calls_to("sendMessage") if c.ok and c.chat_id in OTHERS)
            # Nobody waited for the flood: when every other chat had its reply, the flooding chat
            # was still being answered (one reply per flood interval).
            await server.wait_for_call(
                "sendMessage", lambda c: c.ok and c.chat_id == FLOODER and c.index > others_done, timeout=30
            )
            await server.wait_for_calls("sendMessage", 7, to_chat(FLOODER), timeout=30)
        texts = server.sent_texts(FLOODER)
        # At least the one being answered and the five waiting were answered (a few more when the
        # lane moved on while the 500 were still arriving), plus one notice; the rest skipped.
        assert sum(t.startswith("Even rustig aan") for t in texts) == 1
        assert 7 <= len(texts) <= 20
        assert all(len(server.sent_messages(chat)) == 1 for chat in OTHERS)
        assert any(c.status == 429 for c in server.calls_to("sendMessage"))  # flood control was hit

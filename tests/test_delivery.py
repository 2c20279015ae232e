"""Sends that survive faults: retries with backoff and jitter, flood waits per chat, no doubles.

Unit tests drive `DeliveryLimiter` with a scripted request; the fault suite runs the bot's
real polling loop against the fake Bot API with injected 5xx bursts, dropped connections,
an outage, late answers and hangs (timings scaled down through the config), and counts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.config import Config, StorageConfig, TelegramConfig
from bot.delivery import DeliveryLimiter, DeliverySettings, MaybeDelivered, backoff, may_have_arrived
from bot.knowledge import Knowledge
from tests.fake_bot_api import DEFAULT_TOKEN, FakeBotApi
from tests.live_bot import running_bot

FAST = DeliverySettings(overall_max_rate=0, max_retries=2, retry_seconds=5.0, first_delay=0.01, max_delay=0.05)
QUESTION = "wat doet een jongerenwerker?"
APOLOGY = "Sorry"


# --- the limiter on its own ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "low", "high"),
    [(0, 0.25, 0.5), (1, 0.5, 1.0), (3, 2.0, 4.0), (4, 4.0, 8.0), (10, 4.0, 8.0), (100, 4.0, 8.0)],
)
@pytest.mark.parametrize("chance", [0.0, 0.5, 0.999])
def test_backoff_doubles_up_to_the_cap_with_jitter(failures: int, low: float, high: float, chance: float) -> None:
    settings = DeliverySettings(first_delay=0.5, max_delay=8.0)
    assert low <= backoff(failures, settings, lambda: chance) <= high


@pytest.mark.parametrize(
    ("cause", "arrived"),
    [
        (httpx.ConnectTimeout("connect"), False),
        (httpx.PoolTimeout("pool"), False),
        (httpx.WriteTimeout("write"), False),
        (httpx.ReadTimeout("read"), True),
        (None, True),
    ],
)
def test_only_a_timeout_after_sending_may_have_arrived(cause: BaseException | None, arrived: bool) -> None:
    exc = TimedOut()
    exc.__cause__ = cause
    assert may_have_arrived(exc) is arrived


class Script:
    """A request that fails as scripted (one outcome per call), then answers."""

    def __init__(self, *outcomes: BaseException | None) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        return {"ok": True}


def read_timeout() -> TimedOut:
    exc = TimedOut()
    exc.__cause__ = httpx.ReadTimeout("read")
    return exc


async def send(limiter: DeliveryLimiter, script: Script, endpoint: str = "sendMessage", chat: int = 1) -> Any:
    return await limiter.process_request(script, (), {}, endpoint, {"chat_id": chat}, None)


@pytest.mark.parametrize(
    "fault",
    [
        NetworkError("Bad Gateway (502)"),
        NetworkError("Internal Server Error (500)"),
        NetworkError("httpx.ConnectError"),
    ],
)
async def test_network_errors_and_5xx_are_retried(fault: NetworkError) -> None:
    script = Script(fault, fault, fault)
    assert await send(DeliveryLimiter(FAST), script) == {"ok": True}
    assert script.calls == 4


async def test_retrying_stops_after_retry_seconds() -> None:
    script = Script(*[NetworkError("Bad Gateway (502)")] * 1000)
    settings = dataclasses.replace(FAST, retry_seconds=0.2)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await send(DeliveryLimiter(settings), script)
    assert 3 <= script.calls < 100


async def test_no_retries_with_retry_seconds_zero() -> None:
    script = Script(NetworkError("Bad Gateway (502)"))
    with pytest.raises(NetworkError):
        await send(DeliveryLimiter(dataclasses.replace(FAST, retry_seconds=0)), script)
    assert script.calls == 1


@pytest.mark.parametrize(
    ("endpoint", "outcome", "calls"),
    [
        ("sendMessage", MaybeDelivered, 1),  # may have arrived: never sent twice
        ("sendPhoto", MaybeDelivered, 1),
        ("editMessageText", "ok", 2),  # editing twice does no harm
        ("answerCallbackQuery", "ok", 2),
    ],
)
async def test_a_read_timeout_is_not_repeated_for_sends(endpoint: str, outcome: Any, calls: int) -> None:
    script = Script(read_timeout())
    if outcome is MaybeDelivered:
        with pytest.raises(MaybeDelivered):
            await send(DeliveryLimiter(FAST), script, endpoint)
    else:
        assert await send(DeliveryLimiter(FAST), script, endpoint) == {"ok": True}
    assert script.calls == calls


async def test_a_connect_timeout_is_repeated_even_for_sends() -> None:
    exc = TimedOut()
    exc.__cause__ = httpx.ConnectTimeout("connect")
    script = Script(exc)
    assert await send(DeliveryLimiter(FAST), script) == {"ok": True}
    assert script.calls == 2


async def test_bad_requests_are_final() -> None:
    script = Script(BadRequest("Bad Request: chat not found"))
    with pytest.raises(BadRequest):
        await send(DeliveryLimiter(FAST), script)
    assert script.calls == 1


async def test_retry_after_is_honoured_up_to_max_retries() -> None:
    script = Script(*[RetryAfter(dt.timedelta(seconds=0.01))] * 3)
    with pytest.raises(RetryAfter):
        await send(DeliveryLimiter(FAST), script)
    assert script.calls == FAST.max_retries + 1


async def test_a_flood_wait_for_one_chat_does_not_pause_the_others() -> None:
    limiter = DeliveryLimiter(FAST)
    busy = Script(RetryAfter(dt.timedelta(seconds=0.5)))
    waiting = asyncio.create_task(send(limiter, busy, chat=1))
    while busy.calls == 0:
        await asyncio.sleep(0)
    other = Script()
    assert await send(limiter, other, chat=2) == {"ok": True}
    again = Script()
    second_for_busy_chat = asyncio.create_task(send(limiter, again, chat=1))
    await asyncio.sleep(0.05)
    # The other chat was answered while chat 1 still waits; chat 1's next message waits too.
    assert (busy.calls, other.calls, again.calls) == (1, 1, 0)
    assert await waiting == {"ok": True} and await second_for_busy_chat == {"ok": True}
    assert busy.calls == 2 and again.calls == 1


# --- the fault suite: the whole bot against the fake Bot API -----------------------------------


CHATS = 100
PER_CHAT = 4  # 400 messages


def fault_config(server: FakeBotApi, tmp_path: Path) -> Config:
    return Config(
        telegram=TelegramConfig(
            token=DEFAULT_TOKEN,
            base_url=server.base_url,
            overall_max_rate=0,
            retry_seconds=10.0,
            retry_first_delay=0.02,
            retry_max_delay=0.2,
            max_queued_per_chat=PER_CHAT,
            reload_seconds=0,
        ),
        storage=StorageConfig(path=tmp_path / "bot.sqlite3", pseudonym_key="test-key"),
    )


def answered(server: FakeBotApi) -> dict[int, int]:
    return {chat: len(server.sent_messages(chat)) for chat in range(1, CHATS + 1)}


def rows(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(sql).fetchone()[0])


Fault = Callable[[FakeBotApi], None]


def bursts_of_502(server: FakeBotApi) -> None:
    server.fail_next("sendMessage", status=502, times=20)


def bursts_of_500(server: FakeBotApi) -> None:
    server.fail_next("sendMessage", status=500, times=20)


def connection_resets(server: FakeBotApi) -> None:
    server.reset_next("sendMessage", times=20)


def an_outage(server: FakeBotApi) -> None:
    server.outage(1.0)  # 10 s in the issue, scaled down like the retry timings


def late_answers(server: FakeBotApi) -> None:
    server.answer_late("sendMessage", 0.6, times=20)  # answered after the 0.3 s read timeout: "after 7 s"


@pytest.mark.parametrize("fault", [bursts_of_502, bursts_of_500, connection_resets, an_outage, late_answers])
async def test_every_reply_is_delivered_once_through_faults(tmp_path: Path, knowledge: Knowledge, fault: Fault) -> None:
    async with FakeBotApi(token=DEFAULT_TOKEN) as server:
        config = fault_config(server, tmp_path)
        request = HTTPXRequest(connection_pool_size=12, read_timeout=0.3)
        async with running_bot(config, knowledge, request=request):
            await server.wait_for_call("setMyCommands")
            for _ in range(PER_CHAT):
                for chat in range(1, CHATS + 1):
                    server.push_text(chat, QUESTION)
            await server.wait_for_calls("sendMessage", 40, lambda c: c.ok, timeout=20)
            fault(server)  # mid-burst
            await server.wait_for_calls("sendMessage", CHATS * PER_CHAT, lambda c: c.ok, timeout=60)
        late = [c for c in server.calls_to("sendMessage") if c.ok and (c.answered_at or c.at) - c.at >= 0.5]
        assert [c for c in server.calls_to("sendMessage") if not c.ok] or late, "the fault was not hit"
        # 400 of 400 delivered, none twice, and no apology after a reply that arrived.
        assert answered(server) == dict.fromkeys(range(1, CHATS + 1), PER_CHAT)
        assert not any(APOLOGY in text for text in server.sent_texts())
    # Every reply is recorded, and nothing is left waiting in the inbox.
    assert rows(config.storage.path, "SELECT COUNT(*) FROM events") == CHATS * PER_CHAT
    assert rows(config.storage.path, "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL") == 0


async def test_a_hung_send_is_not_sent_twice_and_others_go_on(tmp_path: Path, knowledge: Knowledge) -> None:
    """A send that hangs past the read timeout may have arrived: no second copy, no apology, recorded."""
    async with FakeBotApi(token=DEFAULT_TOKEN) as server:
        config = fault_config(server, tmp_path)
        async with running_bot(config, knowledge, request=HTTPXRequest(connection_pool_size=12, read_timeout=0.3)):
            await server.wait_for_call("setMyCommands")
            server.hang_next("sendMessage", 0.6, times=3)
            for chat in range(1, 21):
                server.push_text(chat, QUESTION)
            await server.wait_for_calls("sendMessage", 17, lambda c: c.ok, timeout=20)
            await server.wait_for_calls("sendMessage", 3, lambda c: c.status == 0, timeout=20)
        sends = server.calls_to("sendMessage")
        assert len(sends) == 20  # the three hung ones were not sent again
        assert not any(APOLOGY in text for text in server.sent_texts())
    assert rows(config.storage.path, "SELECT COUNT(*) FROM events") == 20

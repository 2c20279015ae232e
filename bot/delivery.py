"""Sending to Telegram through faults: retries with backoff, flood waits per chat, no doubles.

Every Bot API request except getUpdates passes through `DeliveryLimiter` (PTB's rate
limiter hook), which decides what a failure means:

* Network errors, timeouts before the request left (connect, pool, write) and 5xx answers
  from Telegram or a proxy: tried again after an exponential backoff with jitter (the
  first wait `retry_first_delay`, doubling up to `retry_max_delay`, each between half and
  all of that), for at most `retry_seconds` in all. Then the error is raised as before.
* "Too Many Requests, retry after N" (429): only the chat it was about waits N seconds,
  up to `max_retries` times; requests for other chats go on. PTB's own AIORateLimiter
  pauses every chat instead, so one busy chat would hold up everyone.
* A timeout while waiting for the answer to a send (sendMessage and the like): the
  request reached Telegram, which may well have delivered it. Sending it again could give
  the person the same reply twice, so it is not retried; `MaybeDelivered` is raised, and
  the handlers treat the reply as sent (no apology, the event is stored).
* 400 Bad Request, 403 Forbidden and the like are final: raised at once.

All requests together stay under `overall_max_rate` per second (Telegram's flood limit),
as before.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from .config import Config

logger = logging.getLogger(__name__)

# Requests that post something new: repeating one after it reached Telegram would post it twice.
NOT_REPEATABLE_PREFIXES = ("send", "forward", "copy")
# Timeouts that happen before the request is complete at Telegram's side: safe to repeat.
NOT_SENT = (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class MaybeDelivered(TimedOut):
    """A send timed out after it reached Telegram: the message may have arrived; it is not sent again."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(f"{endpoint}: no answer in time; the message may have arrived, so it is not sent again")
        self.endpoint = endpoint


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How hard to try: from the `telegram` section of the config."""

    overall_max_rate: float = 30.0  # requests per second to all chats together; 0 = no cap
    max_retries: int = 3  # waits for "retry after" (429) per request
    retry_seconds: float = 60.0  # how long network errors, timeouts and 5xx are retried; 0 = never
    first_delay: float = 0.5
    max_delay: float = 8.0

    @classmethod
    def from_config(cls, config: Config) -> DeliverySettings:
        tg = config.telegram
        return cls(
            overall_max_rate=float(tg.overall_max_rate),
            max_retries=tg.max_retries,
            retry_seconds=tg.retry_seconds,
            first_delay=tg.retry_first_delay,
            max_delay=tg.retry_max_delay,
        )


def backoff(failures: int, settings: DeliverySettings, rng: Callable[[], float] = random.random) -> float:
    """The wait before the next try: exponential, capped, and between half and all of it (jitter)."""
    ceiling: float = min(settings.max_delay, settings.first_delay * 2.0 ** min(failures, 30))
    return ceiling * (0.5 + 0.5 * rng())


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (without PTB's int/timedelta deprecation warning)."""
    value: Any = getattr(exc, "_retry_after", None)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    told = exc.retry_after
    return float(told) if isinstance(told, int) else float(told.total_seconds())


def may_have_arrived(exc: TimedOut) -> bool:
    """A timeout after the whole request was sent: Telegram may have handled it."""
    if "Pool timeout" in str(exc):
        return False
    return not isinstance(exc.__cause__, NOT_SENT)


def repeatable(endpoint: str) -> bool:
    return not endpoint.startswith(NOT_REPEATABLE_PREFIXES)


def chat_of(data: dict[str, Any]) -> int | str | None:
    """The chat a request is about (the key for flood waits), if any."""
    chat = data.get("chat_id")
    return chat if isinstance(chat, int | str) else None


class TokenBucket:
    """At most `rate` requests per second on average, with bursts up to `rate`; 0 = no limit."""

    def __init__(self, rate: float, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._rate = rate
        self._tokens = max(rate, 1.0)
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = asyncio.Lock()  # waiters take their turn in order

    async def take(self) -> None:
        if self._rate <= 0:
            return
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(max(self._rate, 1.0), self._tokens + (now - self._stamp) * self._rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await self._sleep((1 - self._tokens) / self._rate)


class DeliveryLimiter(BaseRateLimiter[int]):
    """PTB rate limiter: per-chat flood waits, bounded retries with backoff, no repeated sends."""

    def __init__(
        self,
        settings: DeliverySettings,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._overall = TokenBucket(settings.overall_max_rate, clock, sleep)
        self._paused_until: dict[int | str, float] = {}  # chat → when Telegram lets us write there again

    @property
    def settings(self) -> DeliverySettings:
        return self._settings

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send, and try again as the module docstring says; raise what cannot be helped."""
        chat = chat_of(data)
        flood_waits = self._settings.max_retries if rate_limit_args is None else rate_limit_args
        give_up_at = self._clock() + self._settings.retry_seconds
        failures = 0
        while True:
            await self._wait_for(chat)
            await self._overall.take()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                if flood_waits <= 0:
                    logger.warning("Telegram still asks to wait %.0f s; %s is given up", wait, endpoint)
                    raise
                flood_waits -= 1
                logger.info("Telegram asks to wait %.1f s before %s to this chat; other chats go on", wait, endpoint)
                if chat is None:
                    await self._sleep(wait)
                else:
                    self._pause(chat, wait)
                continue
            except TimedOut as exc:
                if not repeatable(endpoint) and may_have_arrived(exc):
                    logger.warning("%s: no answer in time; it may have arrived, so it is not sent again", endpoint)
                    raise MaybeDelivered(endpoint) from exc
                error: NetworkError = exc
            except BadRequest:
                raise
            except NetworkError as exc:
                error = exc
            delay = backoff(failures, self._settings, self._rng)
            if self._clock() + delay > give_up_at:
                logger.warning("%s failed for %d tries in a row; giving up: %s", endpoint, failures + 1, error)
                raise error
            failures += 1
            logger.info("%s failed (%s); try %d in %.2f s", endpoint, error, failures + 1, delay)
            await self._sleep(delay)

    def _pause(self, chat: int | str, seconds: float) -> None:
        until = self._clock() + seconds
        self._paused_until[chat] = max(until, self._paused_until.get(chat, 0.0))

    async def _wait_for(self, chat: int | str | None) -> None:
        """Wait while Telegram asked us not to write to this chat."""
        if chat is None:
            return
        while True:
            until = self._paused_until.get(chat)
            if until is None:
                return
            left = until - self._clock()
            if left <= 0:
                if self._paused_until.get(chat) == until:
                    del self._paused_until[chat]
                return
            await self._sleep(left)

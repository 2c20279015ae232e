"""Fair turns: one chat's updates one after the other, chats side by side, a cap per chat.

PTB's own processor lets every update take one of `concurrent_updates` slots in arrival
order, so 500 messages from one person fill every slot, each waiting out that chat's
flood limit, and nobody else is answered for minutes. `FairUpdateProcessor` instead:

* gives every chat a lane: its updates are handled one at a time, in the order they came
  (so replies keep their order too), and at most `concurrent_updates` lanes run at once;
  a flooding chat therefore holds one slot, never all of them;
* caps a lane at `max_queued_per_chat` waiting updates: the first update beyond it gets one
  short "even rustig aan" notice (`LaneHooks.overflowed`), later ones are only marked done,
  until the lane has caught up; the staff chats (`exempt`) are never capped;
* tells the inbox when an update starts and when it has been handled (`LaneHooks`).

Updates without a chat (inline queries) need no order and run beside the lanes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from telegram import Update
from telegram.ext import BaseUpdateProcessor

logger = logging.getLogger(__name__)

# PTB's own semaphore is set this high so that it never makes one chat's update wait behind
# another chat's; the lanes and `concurrent_updates` slots below do the limiting.
UNLIMITED = 1_000_000


class LaneHooks(Protocol):
    """What the processor tells the inbox."""

    async def starting(self, update: object) -> None:
        """The update is about to be handled."""

    async def finished(self, update: object) -> None:
        """The update has been handled (its reply sent, or its error dealt with)."""

    async def overflowed(self, update: object, first: bool) -> None:
        """The update is beyond its chat's cap and is not handled; `first` of this flood."""


@dataclass(slots=True)
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # updates holding the lane (one) or waiting for it
    warned: bool = False  # the "even rustig aan" notice went out for this flood


def lane_of(update: object) -> int | None:
    """The chat whose lane an update takes (the user for chat-less updates with a user), or None."""
    if not isinstance(update, Update) or update.inline_query is not None:
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class FairUpdateProcessor(BaseUpdateProcessor):
    """Per-chat lanes with a cap, `concurrent` lanes at a time (see the module docstring)."""

    def __init__(
        self, concurrent: int, per_chat: int, exempt: Iterable[int] = (), hooks: LaneHooks | None = None
    ) -> None:
        super().__init__(max_concurrent_updates=UNLIMITED)
        self._concurrent = concurrent
        self._per_chat = per_chat
        self._exempt = frozenset(exempt)
        self._slots = asyncio.Semaphore(concurrent)
        self._lanes: dict[int, _Lane] = {}
        self.hooks = hooks

    @property
    def concurrent(self) -> int:
        """How many updates are handled at the same moment (`telegram.concurrent_updates`)."""
        return self._concurrent

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's turn and a free slot, then handle the update (or skip it past the cap)."""
        chat = lane_of(update)
        if chat is None:
            await self._run(update, coroutine)
            return
        lane = self._lanes.setdefault(chat, _Lane())
        if lane.users > self._per_chat and chat not in self._exempt:  # users - 1 are waiting
            _discard(coroutine)
            first, lane.warned = not lane.warned, True
            if first:
                logger.warning("A chat sends faster than it can be answered; its extra messages are skipped")
            if self.hooks is not None:
                await self.hooks.overflowed(update, first)
            return
        lane.users += 1
        try:
            async with lane.lock:
                await self._run(update, coroutine)
        finally:
            lane.users -= 1
            if lane.users == 0:
                del self._lanes[chat]  # caught up: a later flood gets a notice again

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._slots:
            if self.hooks is not None:
                await self.hooks.starting(update)
            await coroutine
            if self.hooks is not None:
                await self.hooks.finished(update)


def _discard(coroutine: Awaitable[Any]) -> None:
    """Drop an update's handling that will never run (without a 'never awaited' warning)."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()

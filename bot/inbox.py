"""The durable inbox: an update is on disk before Telegram hears it arrived, until it is answered.

Telegram forgets an update once the bot confirms it: by polling with a higher offset
(which PTB does with the next getUpdates, right after a batch is queued) or by answering
a webhook call with 200. Both only happen after the update went through
`InboxQueue.put`, which first writes it to SQLite (`Storage.inbox_add`). When the
update has been handled, its reply sent, `FairUpdateProcessor` calls `Inbox.finished`,
which marks it done in the same commit as the events and 👍/👎 it recorded, and erases
its content.

After a crash (kill -9, out of memory, a power cut with what the disk kept) `Inbox.replay`
runs at start-up, before polling or the webhook: every update not marked done is handled
again, oldest first, each at most once more (`Storage.inbox_attempt` counts it before it
starts, so an update that itself crashes the bot is skipped the next time). Telegram may
deliver updates again that were stored but not yet confirmed; their id is known, so they
are not handled twice. At-least-once: the only reply that can come twice is one that was
being sent at the moment of the crash.

Inline queries are not kept: they expire within seconds, so answering one after a restart
is useless. With storage disabled the inbox keeps nothing and the bot answers as before.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application

from .storage import MAX_ATTEMPTS, UPDATE_IN_HAND, Storage

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
SLOW_DOWN_KEY = "slow_down"


def kept(update: object) -> bool:
    """Whether the inbox keeps this update (every update with an id except inline queries)."""
    return isinstance(update, Update) and update.inline_query is None and update.chosen_inline_result is None


class Inbox:
    """Keeps updates until handled, replays the unfinished ones at start-up; `LaneHooks` for the processor."""

    def __init__(self) -> None:
        self._storage: Storage | None = None
        self._application: AnyApplication | None = None
        self._replaying: set[int] = set()

    def attach(self, application: AnyApplication | None, storage: Storage) -> None:
        """Start keeping updates in `storage` (called once storage is open, before updates arrive).

        `application` sends the "even rustig aan" notice and revives stored updates; without one
        the inbox only keeps and marks updates.
        """
        self._application = application
        self._storage = storage if storage.enabled else None
        if self._storage is None:
            logger.warning("Inbox: storage is not available; a crash of the bot can lose unanswered messages")

    async def received(self, update: Update) -> bool:
        """Write a new update down; False when it was received before (Telegram sending it again)."""
        if self._storage is None or not kept(update):
            return True
        added = await self._storage.inbox_add(update.update_id, json.dumps(update.to_dict(), ensure_ascii=False))
        if added is False:
            logger.info("Inbox: update %d was received before; not handled again", update.update_id)
            return False
        return True  # new, or storage failed (then it is handled without the safety net)

    async def starting(self, update: object) -> None:
        """Hold the rows the update records for its done mark; count a replayed update's try first."""
        if self._storage is None or not kept(update):
            return
        assert isinstance(update, Update)
        UPDATE_IN_HAND.set(update.update_id)  # this task's context: the update's own handling
        if update.update_id in self._replaying:
            self._replaying.discard(update.update_id)
            await self._storage.inbox_attempt(update.update_id)

    async def finished(self, update: object) -> None:
        """Mark the update done, in one commit with the rows its handling recorded."""
        if self._storage is not None and kept(update):
            assert isinstance(update, Update)
            UPDATE_IN_HAND.set(None)
            await self._storage.inbox_done(update.update_id)

    async def overflowed(self, update: object, first: bool) -> None:
        """An update past its chat's cap: the first of a flood gets the notice; all are marked done."""
        if first and isinstance(update, Update) and update.effective_chat is not None:
            await self._slow_down(update.effective_chat.id)
        await self.finished(update)

    async def _slow_down(self, chat_id: int) -> None:
        application = self._application
        if application is None:
            return
        from .handlers import ENGINE_KEY  # the engine of the moment, as after a reload

        text = application.bot_data[ENGINE_KEY].knowledge.messages.format(SLOW_DOWN_KEY)
        try:
            await application.bot.send_message(chat_id, html.escape(text, quote=False), parse_mode=ParseMode.HTML)
        except TelegramError:
            logger.warning("Could not send the 'even rustig aan' notice", exc_info=True)

    async def replay(self, queue: InboxQueue) -> int:
        """Queue every unfinished update, oldest first, before new ones arrive; the number queued."""
        if self._storage is None or self._application is None:
            return 0
        queued = 0
        for item in await self._storage.inbox_open():
            update = self._revive(item.payload)
            if item.attempts >= MAX_ATTEMPTS - 1 or update is None:
                logger.error(
                    "Inbox: update %d was not handled after %d tries and is skipped; see the log before this start",
                    item.update_id,
                    item.attempts + 1,
                )
                await self._storage.inbox_done(item.update_id)
                continue
            self._replaying.add(item.update_id)
            queue.put_nowait(update)  # already on disk: not through `put`
            queued += 1
        if queued:
            logger.warning("Inbox: %d messages were not answered before the bot stopped; answering them first", queued)
        return queued

    def _revive(self, payload: str) -> Update | None:
        assert self._application is not None
        try:
            return Update.de_json(json.loads(payload), self._application.bot)
        except (ValueError, TypeError, KeyError):
            logger.exception("Inbox: a stored update cannot be read back")
            return None


class InboxQueue(asyncio.Queue[object]):
    """PTB's update queue, but an update goes to the inbox on disk before it is queued."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    async def put(self, item: object) -> None:
        """Queue an update once it is on disk (and not at all when it was received before)."""
        if isinstance(item, Update) and not await self.inbox.received(item):
            return
        await super().put(item)

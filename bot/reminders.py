"""After a crisis reply, the conversation remembers for a while.

For `minutes` after a crisis reply in a chat, every other reply in that chat ends with one
line that says which emergency line to call (the family's `reminder` in crisis.yaml). This
lives in memory only: nothing about it is written to disk, and a restart forgets it.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Hashable

Clock = Callable[[], dt.datetime]
MAX_CHATS = 10_000  # oldest forgotten first; a reminder is a courtesy, not a record


class SafetyReminders:
    """Chat → (reminder line, until when). Shared by every engine version, so a reload keeps it."""

    def __init__(self, minutes: float, clock: Clock) -> None:
        self.window = dt.timedelta(minutes=minutes)
        self.clock = clock
        self._until: OrderedDict[Hashable, tuple[str, dt.datetime]] = OrderedDict()

    def start(self, chat: Hashable, line: str) -> None:
        """A crisis reply was just given in this chat."""
        if self.window <= dt.timedelta(0):
            return
        self._until[chat] = (line, self.clock() + self.window)
        self._until.move_to_end(chat)
        while len(self._until) > MAX_CHATS:
            self._until.popitem(last=False)

    def line_for(self, chat: Hashable) -> str | None:
        """The reminder to add to a reply in this chat, if its window is still open."""
        found = self._until.get(chat)
        if found is None:
            return None
        line, until = found
        if self.clock() >= until:
            del self._until[chat]
            return None
        return line

    def forget(self, chat: Hashable) -> None:
        self._until.pop(chat, None)

    def __len__(self) -> int:
        return len(self._until)

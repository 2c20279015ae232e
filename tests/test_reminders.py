"""The crisis reminder window: memory only, per chat, for a set number of minutes."""

from __future__ import annotations

import datetime as dt

import pytest

from bot import reminders
from bot.reminders import SafetyReminders
from tests.conftest import OPEN_MOMENT


class Clock:
    def __init__(self) -> None:
        self.now = OPEN_MOMENT

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.mark.parametrize(
    ("minutes_later", "expected"),
    [(0, "Bel 112."), (29, "Bel 112."), (30, None), (31, None)],
)
def test_the_window(minutes_later: int, expected: str | None) -> None:
    clock = Clock()
    memory = SafetyReminders(30, clock)
    memory.start(1, "Bel 112.")
    clock.now += dt.timedelta(minutes=minutes_later)
    assert memory.line_for(1) == expected
    assert memory.line_for(2) is None  # another chat


def test_a_closed_window_is_forgotten() -> None:
    clock = Clock()
    memory = SafetyReminders(30, clock)
    memory.start(1, "Bel 112.")
    clock.now += dt.timedelta(hours=1)
    assert memory.line_for(1) is None
    assert len(memory) == 0


def test_zero_minutes_turns_it_off() -> None:
    memory = SafetyReminders(0, Clock())
    memory.start(1, "Bel 112.")
    assert memory.line_for(1) is None


def test_forget_closes_the_window() -> None:
    memory = SafetyReminders(30, Clock())
    memory.start(1, "Bel 112.")
    memory.forget(1)
    assert memory.line_for(1) is None


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reminders, "MAX_CHATS", 3)
    memory = SafetyReminders(30, Clock())
    for chat in range(5):
        memory.start(chat, "Bel 112.")
    assert len(memory) == 3
    assert memory.line_for(0) is None and memory.line_for(4) == "Bel 112."

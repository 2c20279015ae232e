"""Shared fixtures: the real knowledge base and an engine on a fixed clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Config
from bot.engine import Engine, EngineSettings
from bot.knowledge import Knowledge, require_knowledge

ROOT = Path(__file__).resolve().parent.parent
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A Tuesday morning: the advice line is open.
OPEN_MOMENT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
# A Saturday evening: closed until Monday 9.00.
CLOSED_MOMENT = dt.datetime(2026, 11, 28, 20, 0, tzinfo=AMSTERDAM)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return require_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="session")
def make_engine(knowledge: Knowledge) -> Callable[[dt.datetime], Engine]:
    """An engine on the real knowledge base whose clock stands still at `moment`."""

    def make(moment: dt.datetime = OPEN_MOMENT) -> Engine:
        return Engine(knowledge, EngineSettings(Config().matching), clock=lambda: moment)

    return make


@pytest.fixture(scope="session")
def engine(make_engine: Callable[[dt.datetime], Engine]) -> Engine:
    return make_engine(OPEN_MOMENT)

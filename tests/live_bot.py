"""The bot's real polling loop against the fake Bot API, started and stopped as `run_polling` does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.config import Config
from bot.knowledge import Knowledge
from bot.telegram_app import build_application
from tests.conftest import OPEN_MOMENT

AnyApp = Any


@asynccontextmanager
async def running_bot(config: Config, knowledge: Knowledge, **build: Any) -> AsyncIterator[AnyApp]:
    """Start the bot as `run_polling` does (post_init, polling), and shut it down the same way.

    `build`: more arguments for `build_application` (e.g. a request with a short read timeout).
    """
    app = build_application(config, knowledge, clock=lambda: OPEN_MOMENT, **build)
    updater = app.updater
    assert updater is not None
    assert app.post_init is not None and app.post_shutdown is not None
    async with app:
        await app.post_init(app)
        try:
            await app.start()
            await updater.start_polling(poll_interval=0, timeout=1)
            yield app
        finally:
            if updater.running:
                await updater.stop()
            if app.running:
                await app.stop()
            await app.post_shutdown(app)

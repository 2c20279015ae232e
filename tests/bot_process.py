"""The bot in its own process, as `make run` starts it, against the fake Bot API (kill tests, benchmarks)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.fake_bot_api import DEFAULT_TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def write_config(folder: Path, server: FakeBotApi, telegram: Mapping[str, object] | None = None) -> Path:
    """A config file for the bot in `folder`: the real knowledge, the fake server, a database in `folder`."""
    settings = {"base_url": server.base_url, "reload_seconds": 0, **(telegram or {})}
    config = folder / "config.yaml"
    config.write_text(
        f"knowledge_dir: {ROOT / 'knowledge'}\n"
        "log_level: INFO\n"
        "telegram:\n"
        + "".join(f"  {key}: {value}\n" for key, value in settings.items())
        + f"storage:\n  path: {folder / 'bot.sqlite3'}\n  pseudonym_key: test-key\n",
        encoding="utf-8",
    )
    return config


async def start_bot(config: Path, log: Path) -> asyncio.subprocess.Process:
    """`python -m bot --config CONFIG run` with the fake's token; output appended to `log`."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    for name in PROXY_VARIABLES:
        env.pop(name, None)
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run", cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def until(condition: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    """Wait until `condition()` holds; fail with the end of the bot's log after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s; bot log:\n{log.read_text()[-3000:]}")
        await asyncio.sleep(0.01)


async def stop(bot: asyncio.subprocess.Process, timeout: float = 30.0) -> int:
    """Stop gracefully (SIGTERM, as systemd does); kill if it hangs. The exit code."""
    if bot.returncode is None:
        bot.terminate()
        try:
            await asyncio.wait_for(bot.wait(), timeout)
        except TimeoutError:
            bot.kill()
            await bot.wait()
    assert bot.returncode is not None
    return bot.returncode

"""No secret in any log line: quiet HTTP loggers and a redacting filter, tested at DEBUG."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Config, StorageConfig, TelegramConfig
from bot.knowledge import Knowledge
from bot.logsafety import HIDDEN, RedactingFilter, protect
from tests.fake_bot_api import DEFAULT_TOKEN, FakeBotApi
from tests.live_bot import running_bot

KEY = "pseudonym-key-that-is-secret"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything the root logger writes at DEBUG, through the filter, as a log file would hold it."""
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    old_level, old_handlers = root.level, root.handlers[:]
    root.handlers = [handler]
    root.setLevel(logging.DEBUG)
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    try:
        yield stream
    finally:
        root.handlers = old_handlers
        root.setLevel(old_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def test_no_log_line_holds_the_token_at_debug(
    captured: io.StringIO, tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    protect([DEFAULT_TOKEN, KEY])
    async with FakeBotApi(token=DEFAULT_TOKEN) as server:
        config = Config(
            telegram=TelegramConfig(token=DEFAULT_TOKEN, base_url=server.base_url, reload_seconds=0),
            storage=StorageConfig(path=tmp_path / "bot.sqlite3", pseudonym_key=KEY),
        )
        async with running_bot(config, knowledge):
            server.fail_next("sendMessage", status=502)  # errors and retries are logged too
            server.push_text(5, "wat doet een jongerenwerker?")
            server.push_text(6, "hoi")
            await server.wait_for_calls("sendMessage", 2, lambda c: c.ok)
    logging.getLogger("bot.test").error("a secret in a message: %s", DEFAULT_TOKEN)
    lines = captured.getvalue().splitlines()
    assert len(lines) > 20  # DEBUG really was on
    secret_part = DEFAULT_TOKEN.split(":", 1)[1]
    assert [line for line in lines if secret_part in line or KEY in line] == []
    assert any(HIDDEN in line for line in lines)


@pytest.mark.parametrize(
    ("message", "args", "shown"),
    [
        (
            "GET https://api.telegram.org/bot%s/getMe",
            (DEFAULT_TOKEN,),
            f"GET https://api.telegram.org/bot{HIDDEN}/getMe",
        ),
        ("key %s", (KEY,), f"key {HIDDEN}"),
        ("an unknown token 987654321:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789", (), f"an unknown token {HIDDEN}"),
        ("nothing secret: %d replies", (3,), "nothing secret: 3 replies"),
        ("short secrets are not hunted: abc", (), "short secrets are not hunted: abc"),
    ],
)
def test_the_filter_hides_secrets_in_messages(message: str, args: tuple[object, ...], shown: str) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, message, args, None)
    assert RedactingFilter([DEFAULT_TOKEN, KEY, "abc"]).filter(record)
    assert record.getMessage() == shown


def test_the_filter_hides_secrets_in_tracebacks() -> None:
    try:
        raise RuntimeError(f"could not reach /bot{DEFAULT_TOKEN}/sendMessage")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    RedactingFilter([DEFAULT_TOKEN]).filter(record)
    text = logging.Formatter().format(record)
    assert DEFAULT_TOKEN not in text and HIDDEN in text and "RuntimeError" in text


def test_protect_quiets_the_http_loggers_and_adds_one_filter(captured: io.StringIO) -> None:
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    first = protect(["first-secret"])
    second = protect(["second-secret"])
    assert first is second
    assert logging.getLogger("httpx").level == logging.WARNING
    handler = logging.getLogger().handlers[0]
    assert handler.filters.count(first) == 1
    logging.getLogger("bot").warning("first-secret and second-secret")
    assert "secret" not in captured.getvalue().replace(HIDDEN, "")

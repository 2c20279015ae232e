"""End to end: the bot's real polling loop against a fake Bot API server on 127.0.0.1.

`build_application` is used exactly as `make run` uses it, with only the server address
(the `telegram.base_url` option for a self-hosted Bot API) pointing at the fake.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot import telegram_app
from bot.config import Config, StorageConfig, TelegramConfig
from bot.knowledge import Knowledge
from bot.storage import Storage
from bot.telegram_app import build_application
from tests.fake_bot_api import DEFAULT_TOKEN, Call, FakeBotApi
from tests.live_bot import running_bot

CHAT = 555
AnyApp = Any


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def make_config(server: FakeBotApi, tmp_path: Path) -> Config:
    return Config(
        telegram=TelegramConfig(token=DEFAULT_TOKEN, base_url=server.base_url),
        storage=StorageConfig(path=tmp_path / "bot.sqlite3", pseudonym_key="test-key"),
    )


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=DEFAULT_TOKEN) as fake:
        yield fake


def to_chat(chat_id: int) -> Callable[[Call], bool]:
    return lambda call: call.ok and call.chat_id == chat_id


def buttons(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_question_gets_an_answer_and_buttons_work(
    server: FakeBotApi, tmp_path: Path, knowledge: Knowledge
) -> None:
    async with running_bot(make_config(server, tmp_path), knowledge):
        commands = await server.wait_for_call("setMyCommands")
        assert "onderwerpen" in str(commands.params["commands"])

        server.push_text(CHAT, "hoe werken jongerenwerk en politie samen?")
        answer = await server.wait_for_call("sendMessage", to_chat(CHAT))
        assert answer.params["parse_mode"] == "HTML"
        assert answer.text and answer.text.startswith("<b>")
        labels = [label for label, _ in buttons(answer)]
        assert labels[-2:] == ["👍", "👎"]

        related = next(data for _, data in buttons(answer) if data.startswith("a|"))
        server.push_callback(CHAT, related)
        await server.wait_for_call("answerCallbackQuery")
        chosen = await server.wait_for_call("sendMessage", to_chat(CHAT))
        entry = knowledge.get(related.split("|")[1])
        assert entry is not None and chosen.text and entry.question in chosen.text

        server.push_callback(CHAT, f"f|0|{entry.id}")
        thanks = await server.wait_for_call("answerCallbackQuery")
        assert thanks.params.get("text") == "Dank je voor je reactie!"
        escalation = await server.wait_for_call("sendMessage", to_chat(CHAT))
        assert escalation.text and "Jammer dat ik je niet verder kon helpen" in escalation.text
        assert "+31 70 333 4558" in escalation.text


async def test_topic_menu_navigation(server: FakeBotApi, tmp_path: Path, knowledge: Knowledge) -> None:
    async with running_bot(make_config(server, tmp_path), knowledge):
        server.push_command(CHAT, "onderwerpen")
        menu = await server.wait_for_call("sendMessage", to_chat(CHAT))
        assert menu.text == "Kies een onderwerp:"
        topic_label, topic_data = buttons(menu)[0]

        server.push_callback(CHAT, topic_data)
        page = await server.wait_for_call("editMessageText", to_chat(CHAT))
        assert page.text == f"Vragen over {topic_label}:"
        question_label, question_data = buttons(page)[0]

        server.push_callback(CHAT, question_data)
        answer = await server.wait_for_call("sendMessage", to_chat(CHAT))
        assert answer.text and question_label in answer.text

        last_menu = server.sent_messages(CHAT)[-2]
        server.push_callback(CHAT, "T|0", message_id=last_menu["message_id"])
        back = await server.wait_for_call("editMessageText", to_chat(CHAT))
        assert back.text == "Kies een onderwerp:"


async def test_a_flood_limit_429_delays_but_does_not_lose_the_reply(
    server: FakeBotApi, tmp_path: Path, knowledge: Knowledge
) -> None:
    async with running_bot(make_config(server, tmp_path), knowledge):
        await server.wait_for_call("setMyCommands")
        server.fail_next("sendMessage", status=429, retry_after=1)
        server.push_text(CHAT, "wat doet een jongerenwerker?")
        failed = await server.wait_for_call("sendMessage", lambda c: c.failed)
        assert failed.status == 429
        reply = await server.wait_for_call("sendMessage", to_chat(CHAT), timeout=8)
        assert reply.text and "Wat doet een jongerenwerker?" in reply.text


async def test_a_502_while_polling_is_survived(server: FakeBotApi, tmp_path: Path, knowledge: Knowledge) -> None:
    async with running_bot(make_config(server, tmp_path), knowledge):
        await server.wait_for_call("setMyCommands")
        server.fail_next("getUpdates", status=502)
        await server.wait_for_call("getUpdates", lambda c: c.failed)
        server.push_text(CHAT, "wat is het mailadres van de advieslijn?")
        reply = await server.wait_for_call("sendMessage", to_chat(CHAT), timeout=8)
        assert reply.text and "platformjep@minszw.nl" in reply.text


async def test_shutdown_keeps_what_was_stored(server: FakeBotApi, tmp_path: Path, knowledge: Knowledge) -> None:
    config = make_config(server, tmp_path)
    async with running_bot(config, knowledge):
        server.push_text(CHAT, "school")  # clarify: stored for staff review
        await server.wait_for_call("sendMessage", to_chat(CHAT))
        server.push_text(CHAT, "hoe vraag ik een paspoort aan?")  # escalate
        await server.wait_for_call("sendMessage", to_chat(CHAT))
    # The bot has shut down (as after Ctrl-C); everything is on disk.
    storage = await Storage.open(config.storage)
    try:
        questions = [q.question for q in await storage.review_questions()]
        assert questions == ["hoe vraag ik een paspoort aan?", "school"]
        assert await storage.outcome_counts() == {"clarify": 1, "escalate": 1}
    finally:
        await storage.close()


@pytest.mark.parametrize("concurrent", [1, 8, 32])
def test_the_connection_pool_fits_the_updates_handled_at_once(
    server: FakeBotApi, tmp_path: Path, knowledge: Knowledge, concurrent: int
) -> None:
    config = make_config(server, tmp_path)
    config = Config(
        telegram=TelegramConfig(token=DEFAULT_TOKEN, base_url=server.base_url, concurrent_updates=concurrent),
        storage=config.storage,
    )
    app = build_application(config, knowledge)
    limits = app.bot.request._client_kwargs["limits"]  # PTB keeps the httpx settings here
    assert limits.max_connections == concurrent + telegram_app.SPARE_CONNECTIONS
    assert app.bot.request._client.timeout.pool == telegram_app.POOL_TIMEOUT_SECONDS


async def test_stickers_and_edits_in_a_real_loop(server: FakeBotApi, tmp_path: Path, knowledge: Knowledge) -> None:
    async with running_bot(make_config(server, tmp_path), knowledge):
        server.push_text(CHAT, "hoi")
        await server.wait_for_call("sendMessage", to_chat(CHAT))
        server.push_edited(CHAT, "wat doet een jongerenwerker?")  # ignored
        server.push_sticker(CHAT)
        reply = await server.wait_for_call("sendMessage", to_chat(CHAT))
        assert reply.text and reply.text.startswith("Ik kan alleen tekst lezen")
        assert len(server.sent_messages(CHAT)) == 2


def test_run_polls_by_default(monkeypatch: pytest.MonkeyPatch, knowledge: Knowledge, tmp_path: Path) -> None:
    from telegram.ext import Application

    from bot import telegram_app

    seen: dict[str, Any] = {}
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: seen.update(kw, mode="polling"))
    config = Config(telegram=TelegramConfig(token="1:T"), storage=StorageConfig(path=tmp_path / "db.sqlite3"))
    telegram_app.run(config, knowledge)
    assert seen["mode"] == "polling" and seen["bootstrap_retries"] == -1


def test_run_webhook_mode(monkeypatch: pytest.MonkeyPatch, knowledge: Knowledge, tmp_path: Path) -> None:
    from telegram.ext import Application

    from bot import telegram_app
    from bot.config import WebhookConfig

    seen: dict[str, Any] = {}
    monkeypatch.setattr(Application, "run_webhook", lambda self, **kw: seen.update(kw))
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "from-env")
    hook = WebhookConfig(listen="127.0.0.1", port=8443, url_path="tg", public_url="https://bot.example.org/tg")
    config = Config(
        telegram=TelegramConfig(token="1:T", mode="webhook", webhook=hook),
        storage=StorageConfig(path=tmp_path / "db.sqlite3"),
    )
    telegram_app.run(config, knowledge)
    assert (seen["listen"], seen["port"], seen["url_path"]) == ("127.0.0.1", 8443, "tg")
    assert seen["webhook_url"] == "https://bot.example.org/tg" and seen["secret_token"] == "from-env"


def test_make_run_with_a_token_starts_telegram(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import cli, telegram_app

    started: list[str] = []
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:FROM-ENV")
    monkeypatch.setattr(telegram_app, "run", lambda config, knowledge: started.append("telegram"))
    assert cli.main(["run"]) == 0
    assert started == ["telegram"]


def test_the_environment_token_wins_over_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import telegram_token

    config = Config(telegram=TelegramConfig(token="1:FILE"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert telegram_token(config) == "1:FILE"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:ENV")
    assert telegram_token(config) == "1:ENV"


async def test_handoff_round_trip_through_the_staff_chat(
    server: FakeBotApi, tmp_path: Path, knowledge: Knowledge
) -> None:
    staff_chat = -700
    config = make_config(server, tmp_path)
    config = Config(
        telegram=TelegramConfig(token=DEFAULT_TOKEN, base_url=server.base_url, handoff_chat_id=staff_chat),
        storage=config.storage,
    )
    async with running_bot(config, knowledge):
        server.push_text(CHAT, "kan ik bij jullie een paspoort aanvragen?")
        escalation = await server.wait_for_call("sendMessage", to_chat(CHAT))
        assert ("Stuur mijn vraag door", "h") in buttons(escalation)

        server.push_callback(CHAT, "h")
        consent = await server.wait_for_call("sendMessage", to_chat(CHAT))
        assert consent.text and "Wil je je vraag doorsturen?" in consent.text
        server.push_callback(CHAT, "hy")
        forwarded = await server.wait_for_call("sendMessage", to_chat(staff_chat))
        assert forwarded.text and "kan ik bij jullie een paspoort aanvragen?" in forwarded.text
        told = await server.wait_for_call("sendMessage", to_chat(CHAT))
        assert told.text and told.text.startswith("Je vraag is doorgestuurd.")

        staff_message = server.last_bot_message(staff_chat)
        assert staff_message is not None
        server.push_text(
            staff_chat, "Daarvoor kun je bij je gemeente terecht.", user_id=777, reply_to=staff_message["message_id"]
        )
        answer = await server.wait_for_call("sendMessage", to_chat(CHAT))
        assert answer.text and "Antwoord van een medewerker van Platform JEP:" in answer.text
        assert "Daarvoor kun je bij je gemeente terecht." in answer.text
        confirmed = await server.wait_for_call("sendMessage", to_chat(staff_chat))
        assert confirmed.text == "✓ Doorgestuurd naar de vraagsteller."

        # A second reply to the same question is not delivered twice.
        server.push_text(staff_chat, "Nog een aanvulling.", user_id=777, reply_to=staff_message["message_id"])
        again = await server.wait_for_call("sendMessage", to_chat(staff_chat))
        assert again.text and again.text.startswith("Dit bericht hoort niet bij een openstaande")


async def test_start_up_schedules_reload_and_retention(
    server: FakeBotApi, tmp_path: Path, knowledge: Knowledge
) -> None:
    async with running_bot(make_config(server, tmp_path), knowledge) as app:
        names = sorted(job.name for job in app.job_queue.jobs())
        assert names == ["reload", "retention"]


def test_run_refuses_a_webhook_without_a_secret(
    monkeypatch: pytest.MonkeyPatch, knowledge: Knowledge, tmp_path: Path
) -> None:
    from telegram.ext import Application

    from bot.config import WebhookConfig

    started: list[str] = []
    monkeypatch.setattr(Application, "run_webhook", lambda self, **kw: started.append("webhook"))
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    hook = WebhookConfig(public_url="https://bot.example.org/tg")
    config = Config(
        telegram=TelegramConfig(token="1:T", mode="webhook", webhook=hook),
        storage=StorageConfig(path=tmp_path / "db.sqlite3"),
    )
    with pytest.raises(SystemExit, match="De webhook start niet zonder geheim token"):
        telegram_app.run(config, knowledge)
    assert started == []
    assert hook.listen == "127.0.0.1"  # behind a reverse proxy on the same machine by default

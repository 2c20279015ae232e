"""The fake Bot API (tests/fake_bot_api.py) driven by a real python-telegram-bot polling loop.

Everything runs on 127.0.0.1; proxy variables are cleared so httpx cannot route anywhere else.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_bot_api import DEFAULT_TOKEN, Call, FakeBotApi

TOKEN = DEFAULT_TOKEN
CHAT = 111
GROUP = -100222

AnyApp = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
async def server() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as fake:
        yield fake


# ---------------------------------------------------------------------------------------- bot under test


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def offer_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = [[InlineKeyboardButton("Ja", callback_data="ja"), InlineKeyboardButton("Nee", callback_data="nee")]]
    await update.message.reply_text("Wil je meer weten?", reply_markup=InlineKeyboardMarkup(keyboard))


async def on_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Dank je")
    await query.edit_message_text(f"Gekozen: {query.data}")


def build_app(server: FakeBotApi, *, rate_limited: bool = False) -> AnyApp:
    if rate_limited:
        app: AnyApp = (
            Application.builder()
            .token(TOKEN)
            .base_url(server.base_url)
            .base_file_url(server.base_file_url)
            .rate_limiter(AIORateLimiter(max_retries=2))
            .build()
        )
    else:
        app = Application.builder().token(TOKEN).base_url(server.base_url).base_file_url(server.base_file_url).build()
    app.add_handler(CommandHandler("start", offer_choice))
    app.add_handler(CallbackQueryHandler(on_choice))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@asynccontextmanager
async def polling(app: AnyApp, errors: list[TelegramError] | None = None) -> AsyncIterator[AnyApp]:
    """Run the app's real polling loop; always stop and shut it down."""
    updater = app.updater
    assert updater is not None
    async with app:
        try:
            await app.start()
            await updater.start_polling(
                poll_interval=0, timeout=1, drop_pending_updates=False, error_callback=_collect(errors)
            )
            yield app
        finally:
            if updater.running:
                await updater.stop()
            if app.running:
                await app.stop()


def _collect(errors: list[TelegramError] | None) -> Any:
    return None if errors is None else errors.append


def _sent_ok_to(chat_id: int) -> Callable[[Call], bool]:
    return lambda call: call.ok and call.chat_id == chat_id


# ---------------------------------------------------------------------------------------- real polling loop


async def test_echo_round_trip(server: FakeBotApi) -> None:
    async with polling(build_app(server)):
        update_id = server.push_text(CHAT, "Hoe werkt het jongerenwerk?")
        call = await server.wait_for_call("sendMessage", _sent_ok_to(CHAT))
        assert call.params["chat_id"] == CHAT
        assert call.text == "Hoe werkt het jongerenwerk?"
        assert call.result["chat"] == {"id": CHAT, "type": "private", "first_name": "Tester"}
        assert call.result["from"]["username"] == "jep_test_bot"
        # The update is confirmed by the next getUpdates offset.
        await server.wait_for_call("getUpdates", lambda c: c.params.get("offset") == update_id + 1)
        assert server.pending_updates == []
        server.push_text(CHAT, "tweede")
        second = await server.wait_for_call("sendMessage", _sent_ok_to(CHAT))
        assert second.text == "tweede"
        assert second.result["message_id"] > call.result["message_id"]
    assert server.sent_texts(CHAT) == ["Hoe werkt het jongerenwerk?", "tweede"]
    assert [c.method for c in server.calls[:2]] == ["getMe", "deleteWebhook"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's own retry_after access
async def test_429_is_retried_by_the_rate_limiter(server: FakeBotApi) -> None:
    server.fail_next("sendMessage", status=429, retry_after=1)
    async with polling(build_app(server, rate_limited=True)):
        server.push_text(CHAT, "even proberen")
        reply = await server.wait_for_call("sendMessage", _sent_ok_to(CHAT), timeout=6)
    assert reply.text == "even proberen"
    failed, succeeded = server.calls_to("sendMessage")
    assert failed.status == 429 and failed.failed
    assert json.loads(failed.error or "") == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert succeeded is reply
    assert succeeded.at - failed.at >= 1.0


async def test_502_on_get_updates_does_not_kill_polling(server: FakeBotApi) -> None:
    errors: list[TelegramError] = []
    async with polling(build_app(server), errors) as app:
        await server.wait_for_call("getUpdates")
        server.fail_next("getUpdates", status=502)
        bad = await server.wait_for_call("getUpdates", lambda c: c.failed, timeout=3)
        assert bad.status == 502 and bad.error == "Bad Gateway"
        server.push_text(CHAT, "nog iemand daar?")
        reply = await server.wait_for_call("sendMessage", _sent_ok_to(CHAT), timeout=6)
        assert reply.text == "nog iemand daar?"
        assert app.updater is not None and app.updater.running
    assert len(errors) == 1 and isinstance(errors[0], NetworkError)
    assert "Bad Gateway" in str(errors[0])


async def test_callback_query_round_trip(server: FakeBotApi) -> None:
    async with polling(build_app(server)):
        server.push_command(CHAT, "start")
        offer = await server.wait_for_call("sendMessage", _sent_ok_to(CHAT))
        markup = offer.params["reply_markup"]
        assert isinstance(markup, dict)
        assert [b["callback_data"] for b in markup["inline_keyboard"][0]] == ["ja", "nee"]
        assert offer.result["reply_markup"] == markup

        update_id = server.push_callback(CHAT, "nee")
        pushed = next(u for u in server.pending_updates if u["update_id"] == update_id)
        answer = await server.wait_for_call("answerCallbackQuery")
        assert answer.params["callback_query_id"] == pushed["callback_query"]["id"]
        assert answer.params["text"] == "Dank je"
        edit = await server.wait_for_call("editMessageText")
        assert edit.ok
        assert edit.params["message_id"] == offer.result["message_id"]
        assert edit.text == "Gekozen: nee"
    (message,) = server.sent_messages(CHAT)
    assert message["text"] == "Gekozen: nee"
    assert "reply_markup" not in message and "edit_date" in message


async def test_group_command_with_bot_mention(server: FakeBotApi) -> None:
    async with polling(build_app(server)):
        server.push_command(GROUP, "start", mention_bot=True, chat_type="supergroup", user_id=77)
        offer = await server.wait_for_call("sendMessage", _sent_ok_to(GROUP))
    assert offer.result["chat"] == {"id": GROUP, "type": "supergroup", "title": "Testgroep 100222"}


# ---------------------------------------------------------------------------------------- PTB Bot, no polling


async def test_updates_from_helpers_parse_in_ptb(server: FakeBotApi) -> None:
    async with Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url) as bot:
        sent = await bot.send_message(
            CHAT, "Kies", reply_markup=InlineKeyboardMarkup.from_button(InlineKeyboardButton("A", callback_data="a"))
        )
        server.push_text(CHAT, "hé @jep_test_bot, /help graag", reply_to_bot=True)
        server.push_command(CHAT, "start", "deep-link")
        server.push_callback(CHAT, "a")
        server.push_inline("jongerenwerk")
        server.push_edited(CHAT, "aangepast")
        server.push_photo(GROUP, caption="foto", chat_type="group")
        server.push_sticker(CHAT)
        server.push_voice(CHAT)
        server.push_document(CHAT, file_name="brief.pdf")
        server.push_location(CHAT)
        updates = await bot.get_updates(timeout=0)
        assert [u.update_id for u in updates] == sorted(u.update_id for u in updates)
        text, command, callback, inline, edited, photo, sticker, voice, document, location = updates

        assert text.message is not None and text.message.reply_to_message is not None
        assert text.message.reply_to_message.message_id == sent.message_id
        assert text.message.from_user is not None and text.message.from_user.language_code == "nl"
        assert text.message.parse_entities(["mention"]).popitem()[1] == "@jep_test_bot"
        assert text.message.parse_entities(["bot_command"]).popitem()[1] == "/help"

        start_handler = CommandHandler("start", offer_choice)
        checked = start_handler.check_update(command)
        assert isinstance(checked, tuple) and checked[0] == ["deep-link"]
        assert callback.callback_query is not None and callback.callback_query.data == "a"
        assert callback.callback_query.message is not None
        assert callback.callback_query.message.message_id == sent.message_id
        assert inline.inline_query is not None and inline.inline_query.query == "jongerenwerk"
        assert edited.edited_message is not None and edited.edited_message.text == "aangepast"
        assert edited.edited_message.message_id == command.effective_message.message_id  # type: ignore[union-attr]
        assert photo.effective_chat is not None and photo.effective_chat.title == "Testgroep 100222"
        assert filters.PHOTO.check_update(photo) and filters.CAPTION.check_update(photo)
        assert filters.Sticker.ALL.check_update(sticker)
        assert filters.VOICE.check_update(voice)
        assert filters.Document.PDF.check_update(document)
        assert filters.LOCATION.check_update(location)
        assert not filters.TEXT.check_update(photo)

        # offset confirms, a negative offset keeps only the newest updates.
        assert await bot.get_updates(offset=location.update_id, timeout=0) == (location,)
        assert server.pending_updates[0]["update_id"] == location.update_id


async def test_bot_methods(server: FakeBotApi) -> None:
    async with Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url) as bot:
        me = await bot.get_me()
        assert me.username == "jep_test_bot" and me.can_join_groups and me.supports_inline_queries
        await bot.set_my_commands([("start", "Begin"), ("help", "Hulp")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()
        assert (await bot.get_webhook_info()).url == ""
        assert await bot.send_chat_action(CHAT, "typing")

        message = await bot.send_message(CHAT, "een")
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text("een", CHAT, message.message_id)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", CHAT, 999)
        markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("B", callback_data="b"))
        edited = await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=markup)
        assert isinstance(edited, type(message)) and edited.reply_markup == markup

        photo = await bot.send_photo(CHAT, photo=b"\x89PNG fake bytes", caption="plaatje")
        upload = server.calls_to("sendPhoto")[0].files["photo"]
        assert upload.data == b"\x89PNG fake bytes"
        assert photo.caption == "plaatje" and photo.photo

        server.add_file("abc", b"inhoud")
        file = await bot.get_file("abc")
        assert file.file_path == f"{server.base_file_url}{TOKEN}/files/abc"
        assert bytes(await file.download_as_bytearray()) == b"inhoud"

        server.fail_next("sendMessage", status=403)
        server.fail_next("sendMessage", status=502)
        with pytest.raises(TelegramError, match="bot was blocked"):
            await bot.send_message(CHAT, "weg")
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "weg")
        assert (await bot.send_message(CHAT, "er weer")).text == "er weer"
        assert await bot.answer_inline_query("q1", [])
        assert await bot.do_api_request("someFutureMethod", {"x": 1})

    assert server.calls_to("someFutureMethod")[0].params == {"x": 1}
    assert [c.status for c in server.calls_to("sendMessage")] == [200, 403, 502, 200]


async def test_wrong_token_is_rejected(server: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:wrong-token", base_url=server.base_url):
            pass


# ---------------------------------------------------------------------------------------- raw HTTP


async def test_form_and_json_bodies_are_decoded(server: FakeBotApi) -> None:
    url = f"{server.base_url}{TOKEN}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "1"}]]}
    async with aiohttp.ClientSession() as session:
        form = {"chat_id": "5", "text": "123", "reply_markup": json.dumps(markup), "disable_notification": "true"}
        async with session.post(f"{url}/sendMessage", data=form) as resp:
            body = await resp.json()
        assert body["ok"] is True and body["result"]["text"] == "123"
        async with session.post(f"{url}/answerCallbackQuery", json={"callback_query_id": "42"}) as resp:
            assert (await resp.json()) == {"ok": True, "result": True}
        async with session.get(f"{server.url}/elsewhere") as resp:
            assert resp.status == 404
    sent, answered = server.calls
    assert sent.params == {"chat_id": 5, "text": "123", "reply_markup": markup, "disable_notification": True}
    assert answered.params == {"callback_query_id": "42"}


async def test_long_poll_waits_at_most_the_cap_and_wakes_on_push(server: FakeBotApi) -> None:
    url = f"{server.base_url}{TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as session:
        start = time.monotonic()
        async with session.post(url, json={"timeout": 30}) as resp:
            assert (await resp.json()) == {"ok": True, "result": []}
        assert 0.9 <= time.monotonic() - start < 3.0

        async def push_later() -> None:
            await server.wait_for_call("getUpdates", lambda c: c.result is None)
            server.push_text(CHAT, "wakker")

        pusher = asyncio.create_task(push_later())
        start = time.monotonic()
        async with session.post(url, json={"timeout": 30}) as resp:
            result = (await resp.json())["result"]
        await pusher
        assert time.monotonic() - start < 0.9
        assert result[0]["message"]["text"] == "wakker"


async def test_response_delay_emulates_the_round_trip_except_for_get_updates() -> None:
    with pytest.raises(ValueError, match="response_delay"):
        FakeBotApi(token=TOKEN, response_delay=-1)
    async with FakeBotApi(token=TOKEN, response_delay=0.2) as fake:
        assert fake.response_delay == 0.2
        async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
            start = time.monotonic()
            sent = await bot.send_message(CHAT, "even geduld")
            elapsed = time.monotonic() - start
            assert 0.18 <= elapsed < 2.0
            assert sent.text == "even geduld"
            (call,) = fake.calls_to("sendMessage")
            assert call.answered_at is not None and call.answered_at - call.at >= 0.18

            fake.push_text(CHAT, "direct")
            start = time.monotonic()
            (update,) = await bot.get_updates(timeout=0)
            assert time.monotonic() - start < 0.18  # getUpdates is never delayed
            assert update.message is not None and update.message.text == "direct"

            fake.response_delay = 0
            start = time.monotonic()
            await bot.send_message(CHAT, "weer snel")
            assert time.monotonic() - start < 0.18
    assert [c.index for c in fake.calls] == list(range(len(fake.calls)))


async def test_delayed_concurrent_calls_get_distinct_indexes() -> None:
    async with FakeBotApi(token=TOKEN, response_delay=0.2) as fake, aiohttp.ClientSession() as session:

        async def send(text: str) -> None:
            url = f"{fake.base_url}{TOKEN}/sendMessage"
            async with session.post(url, json={"chat_id": CHAT, "text": text}) as resp:
                assert resp.status == 200

        await asyncio.gather(*(send(str(n)) for n in range(5)))
    calls = fake.calls
    assert [c.index for c in calls] == [0, 1, 2, 3, 4]
    assert sorted(c.text or "" for c in calls) == ["0", "1", "2", "3", "4"]
    assert max(c.at for c in calls) < min(c.answered_at or 0.0 for c in calls)  # the waits overlapped


async def test_wait_for_call_timeout_lists_calls(server: FakeBotApi) -> None:
    async with aiohttp.ClientSession() as session, session.post(f"{server.base_url}{TOKEN}/getMe") as resp:
        assert resp.status == 200
    with pytest.raises(AssertionError, match=r"no sendMessage call within 0.1 s(.|\n)*#0 getMe \[ok\]"):
        await server.wait_for_call("sendMessage", timeout=0.1)


async def test_server_binds_loopback_only_and_stops() -> None:
    async with FakeBotApi() as fake:
        assert fake.base_url == f"http://127.0.0.1:{fake.port}/bot"
        assert fake.base_file_url == f"http://127.0.0.1:{fake.port}/file/bot"
        url = f"{fake.base_url}{fake.token}/getMe"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            async with session.post(url, timeout=aiohttp.ClientTimeout(total=2)):
                pass


# ---------------------------------------------------------------------------------------- network faults


async def post_message(server: FakeBotApi, chat: int, text: str, timeout: float = 5.0) -> tuple[int, Any]:
    """sendMessage over raw HTTP: (status, body), or (0, the exception) when the connection failed."""
    url = f"{server.base_url}{TOKEN}/sendMessage"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.post(url, json={"chat_id": chat, "text": text}) as resp,
        ):
            return resp.status, await resp.json()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return 0, exc


async def test_a_reset_drops_the_connection_without_delivering(server: FakeBotApi) -> None:
    server.reset_next("sendMessage")
    status, _ = await post_message(server, 5, "weg")
    assert status == 0 and server.sent_texts(5) == []
    assert (await post_message(server, 5, "wel"))[0] == 200 and server.sent_texts(5) == ["wel"]
    assert [c.status for c in server.calls_to("sendMessage")] == [0, 200]


async def test_a_hang_holds_then_drops_without_delivering(server: FakeBotApi) -> None:
    server.hang_next("sendMessage", 0.3)
    started = time.monotonic()
    status, _ = await post_message(server, 5, "weg")
    assert status == 0 and time.monotonic() - started >= 0.3
    assert server.sent_texts(5) == []


async def test_a_late_answer_delivers_first_and_answers_after_the_wait(server: FakeBotApi) -> None:
    server.answer_late("sendMessage", 1.0)
    status, _ = await post_message(server, 5, "te laat", timeout=0.3)  # the client gives up first
    assert status == 0
    assert server.sent_texts(5) == ["te laat"]  # but the message was delivered


async def test_an_outage_drops_every_request_for_a_while(server: FakeBotApi) -> None:
    server.outage(0.3)
    assert (await post_message(server, 5, "weg"))[0] == 0
    await asyncio.sleep(0.35)
    assert (await post_message(server, 5, "terug"))[0] == 200
    assert server.sent_texts(5) == ["terug"]


async def test_flood_control_per_chat() -> None:
    async with FakeBotApi(token=TOKEN, flood_interval=0.5) as server:
        assert (await post_message(server, 5, "een"))[0] == 200
        status, body = await post_message(server, 5, "twee")
        assert status == 429 and 0 < body["parameters"]["retry_after"] <= 0.5
        assert (await post_message(server, 6, "ander gesprek"))[0] == 200  # another chat is not limited
        await asyncio.sleep(body["parameters"]["retry_after"])
        assert (await post_message(server, 5, "twee"))[0] == 200
        assert server.sent_texts(5) == ["een", "twee"]

"""A small fake Telegram Bot API HTTP server for offline end-to-end tests.

What it emulates
----------------
The HTTP side of ``https://api.telegram.org`` as python-telegram-bot (PTB 22.x) uses it:

* ``POST``/``GET {base_url}{token}/{method}`` with a JSON, ``application/x-www-form-urlencoded`` or
  ``multipart/form-data`` body (PTB sends form data; every non-string value is a JSON string, so
  ``reply_markup``, ``entities``, ``commands`` … are decoded back into dicts/lists and numbers/booleans
  into ints/bools).
* Answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": ...}``.
* Methods with real behaviour: getMe, getUpdates (long polling with ``offset``/``limit``/``timeout``),
  deleteWebhook / setWebhook / getWebhookInfo, setMyCommands / getMyCommands / deleteMyCommands,
  sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, answerCallbackQuery,
  answerInlineQuery, sendChatAction, sendPhoto / sendDocument / sendSticker / sendVoice / sendAudio /
  sendVideo / sendAnimation / sendLocation, getFile (+ the download URL under ``base_file_url``),
  close and logOut. Any other method answers ``{"ok": true, "result": true}`` and is recorded.
* Every request is recorded in :attr:`FakeBotApi.calls` as a :class:`Call`.
* Tests create updates with the ``push_*`` helpers (text, commands, mentions, callback queries,
  inline queries, edited messages, photo/sticker/voice/document/location messages) and wait for
  the bot's reaction with :meth:`FakeBotApi.wait_for_call`.
* :meth:`FakeBotApi.fail_next` injects one-off failures: 429 with ``retry_after`` (JSON, as Telegram
  sends it) or a 5xx with a plain-text body (as a proxy in front of Telegram would send it).
* Network faults: :meth:`FakeBotApi.reset_next` drops the connection without handling the request,
  :meth:`FakeBotApi.hang_next` holds it unanswered and unhandled for a while and then drops it,
  :meth:`FakeBotApi.answer_late` handles it at once (the message is delivered) but answers only after
  a while, and :meth:`FakeBotApi.outage` drops every request that arrives in the next seconds. A dropped
  request is recorded with ``status`` 0.
* ``flood_interval`` (seconds, default 0 = off): Telegram's flood control per chat. A message sent to a
  chat sooner than this after the previous one delivered there gets 429 with ``retry_after`` the time
  left (a float below one second, so tests can scale time down).
* ``response_delay`` (seconds, constructor argument or attribute; default 0) emulates the network round
  trip to Telegram's servers: every request except getUpdates waits that long before it is handled and
  answered (file downloads too). getUpdates is left alone: a long poll already waits for updates, and
  delaying it would only postpone their delivery. With 0 nothing waits, exactly as without the option.

Network rule: the server binds to 127.0.0.1 only, on a free port chosen by the OS; it never opens
an outgoing connection. Every wait is bounded (long polls by ``long_poll_cap``, ``wait_for_*`` by
their ``timeout``, each request by ``response_delay``, shutdown by a few seconds), and
``async with FakeBotApi() as server`` stops it.

Limits (on purpose)
-------------------
* One bot, one token; other tokens get 401. No webhooks are ever delivered (setWebhook is
  only remembered); ``allowed_updates`` is recorded but not applied; two concurrent getUpdates do
  not produce 409 Conflict.
* ``parse_mode`` is not rendered: a sent message's ``text`` is returned exactly as sent, with the
  ``entities`` the bot passed (if any). Link previews, topics, business connections, payments,
  games, polls, media groups, etc. are not modelled.
* Only inline keyboards are echoed back in the returned Message (as Telegram does); other
  ``reply_markup`` kinds are recorded in the call but not stored on the message.
* Editing keeps Telegram's two common errors: "message to edit not found" and "message is not
  modified"; ``inline_message_id`` edits simply answer ``true``. Callback/inline query ids are not
  validated.
* Chat ids must be integers (``@channel`` usernames get 400 "chat not found").
* Not thread-safe: call everything from the event loop that runs the server (the test's loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import itertools
import json
import math
import re
import socket
import time
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self

from aiohttp import web

__all__ = ["DEFAULT_TOKEN", "DEFAULT_USER_ID", "Call", "FakeBotApi", "UploadedFile"]

JsonDict = dict[str, Any]

DEFAULT_TOKEN = "123456789:AAFakeTokenForOfflineTests_abcdefghij"
DEFAULT_USER_ID = 4242
HOST = "127.0.0.1"

# Form values that are strings by definition and must not be JSON-decoded ("123" stays "123").
_STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "currency",
        "custom_title",
        "data",
        "description",
        "document",
        "emoji",
        "error_message",
        "explanation",
        "file_id",
        "first_name",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "inline_message_id",
        "inline_query_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "payload",
        "phone_number",
        "photo",
        "pre_checkout_query_id",
        "provider_token",
        "query",
        "question",
        "secret_token",
        "shipping_query_id",
        "short_description",
        "start_parameter",
        "sticker",
        "sticker_set_name",
        "switch_pm_parameter",
        "switch_pm_text",
        "text",
        "title",
        "url",
        "vcard",
        "video",
        "voice",
    }
)
# No injected hang or outage lasts longer than this (every wait of the fake is bounded).
_MAX_FAULT_SECONDS = 30.0
_JSON_START = re.compile(r'^\s*(?:[{\["\-0-9]|true$|false$|null$)')

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{3,32}")

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_SEND_MEDIA = {
    "sendphoto": "photo",
    "senddocument": "document",
    "sendsticker": "sticker",
    "sendvoice": "voice",
    "sendaudio": "audio",
    "sendvideo": "video",
    "sendanimation": "animation",
}
_CANONICAL = {
    name.lower(): name
    for name in (
        "getMe",
        "getUpdates",
        "deleteWebhook",
        "setWebhook",
        "getWebhookInfo",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "answerInlineQuery",
        "sendChatAction",
        "sendPhoto",
        "sendDocument",
        "sendSticker",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendLocation",
        "getFile",
        "close",
        "logOut",
    )
}


@dataclasses.dataclass
class UploadedFile:
    """A file part of a multipart request (the bot uploading bytes)."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclasses.dataclass
class Call:
    """One request the bot made.

    ``params`` holds the decoded parameters (query string + body); ``files`` the uploaded file parts.
    ``status`` is the HTTP status answered (200 on success); ``result`` the ``result`` of a successful
    answer; ``error`` the raw body of a failed one. A getUpdates call is recorded when it arrives, so its
    ``result`` is ``None`` until the long poll returns; every other call is recorded when it is answered.
    ``at`` is when the request arrived, ``answered_at`` when the answer was made (after the
    ``response_delay``, if any, or when the long poll returned; ``None`` until then), both
    ``time.monotonic()``.
    """

    index: int
    method: str
    params: JsonDict
    files: dict[str, UploadedFile] = dataclasses.field(default_factory=dict)
    status: int = 200
    result: Any = None
    error: str | None = None
    at: float = dataclasses.field(default_factory=time.monotonic)
    answered_at: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == HTTPStatus.OK

    @property
    def failed(self) -> bool:
        return not self.ok

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        value = self.params.get("text")
        return value if isinstance(value, str) else None

    def summary(self) -> str:
        keys = ("chat_id", "message_id", "text", "data", "callback_query_id", "offset")
        shown = {k: self.params[k] for k in keys if k in self.params}
        state = "ok" if self.ok else f"HTTP {self.status}"
        return f"#{self.index} {self.method} [{state}] {shown}"


@dataclasses.dataclass
class _Failure:
    status: int
    retry_after: float
    description: str | None
    kind: str = "status"  # "status": answer with `status`; "reset", "hang", "late": see the fault helpers
    seconds: float = 0.0  # how long a hang or a late answer takes


class _Reply(Exception):
    """Raised inside a method handler to answer with an error."""

    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_value(key: str, value: str) -> Any:
    if key in _STRING_PARAMS or not _JSON_START.match(value):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FakeBotApi:
    """An in-process fake of the Telegram Bot API on ``http://127.0.0.1:<free port>``.

    Use as ``async with FakeBotApi(token=TOKEN) as server:`` and give PTB
    ``.base_url(server.base_url).base_file_url(server.base_file_url)``.

    ``response_delay`` (seconds, >= 0; can be changed at any time through the attribute of the same
    name) makes every request except getUpdates wait that long before it is handled and answered, to
    emulate the network round trip to Telegram's servers. 0, the default, adds no wait at all.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "jep_test_bot",
        bot_first_name: str = "JEP Test Bot",
        long_poll_cap: float = 1.0,
        record_get_updates: bool = True,
        response_delay: float = 0.0,
        flood_interval: float = 0.0,
    ) -> None:
        self.token = token
        self.response_delay = response_delay
        self.flood_interval = flood_interval
        self._last_delivered: dict[int, float] = {}  # chat → when the last message was delivered there
        self._down_until = 0.0  # time.monotonic() until which every request is dropped
        self.long_poll_cap = long_poll_cap
        self.record_get_updates = record_get_updates
        bot_id = _as_int(token.split(":", 1)[0]) or 123456789
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.calls: list[Call] = []
        self.webhook_url = ""
        self._consumed: set[int] = set()
        self._pending: list[JsonDict] = []
        self._update_ids = itertools.count(10_001)
        self._query_ids = itertools.count(7_000_001)
        self._file_ids = itertools.count(1)
        self._failures: dict[str, deque[_Failure]] = {}
        self._users: dict[int, JsonDict] = {}
        self._chats: dict[int, JsonDict] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[int, dict[int, JsonDict]] = {}
        self._bot_message_ids: dict[int, list[int]] = {}
        self._user_message_ids: dict[int, list[int]] = {}
        self._commands: dict[str, list[JsonDict]] = {}
        self._files: dict[str, bytes] = {}
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Bind to 127.0.0.1 on a free port and serve."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already running")
        self._changed = asyncio.Event()
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((HOST, 0))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._port = int(sock.getsockname()[1])
        self._runner = runner

    async def stop(self) -> None:
        """Release pending long polls and shut the server down (bounded to a few seconds)."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        self._notify()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runner.cleanup(), timeout=5.0)

    @property
    def response_delay(self) -> float:
        """Seconds every request except getUpdates waits before it is handled and answered (0: none)."""
        return self._response_delay

    @response_delay.setter
    def response_delay(self, seconds: float) -> None:
        seconds = float(seconds)
        if not 0.0 <= seconds < math.inf:
            raise ValueError(f"response_delay must be a finite number of seconds >= 0, not {seconds!r}")
        self._response_delay = seconds

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started; use `async with FakeBotApi() as server`")
        return self._port

    @property
    def url(self) -> str:
        """The server root, ``http://127.0.0.1:PORT``."""
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass to PTB's ``.base_url(...)``: ``http://127.0.0.1:PORT/bot``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to PTB's ``.base_file_url(...)``: ``http://127.0.0.1:PORT/file/bot``."""
        return f"{self.url}/file/bot"

    @property
    def bot_id(self) -> int:
        return int(self.bot_user["id"])

    @property
    def bot_username(self) -> str:
        return str(self.bot_user["username"])

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self, method: str, status: int = 429, retry_after: int = 1, *, description: str | None = None, times: int = 1
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with HTTP ``status``.

        429 answers Telegram's JSON (``error_code`` 429, "Too Many Requests: retry after N",
        ``parameters.retry_after``); a 5xx answers a plain-text body with the status phrase
        ("Bad Gateway"), as a proxy would; any other status answers Telegram-style JSON with
        ``description`` (or a default for that status).
        """
        queue = self._failures.setdefault(method.lower(), deque())
        for _ in range(times):
            queue.append(_Failure(status=status, retry_after=retry_after, description=description))

    def reset_next(self, method: str, *, times: int = 1) -> None:
        """Drop the connection of the next ``times`` calls of ``method`` without handling them."""
        self._queue_fault(method, "reset", 0.0, times)

    def hang_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` unanswered and unhandled for ``seconds``, then drop them."""
        self._queue_fault(method, "hang", seconds, times)

    def answer_late(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Handle the next ``times`` calls of ``method`` at once (a message is delivered), answer after ``seconds``."""
        self._queue_fault(method, "late", seconds, times)

    def outage(self, seconds: float) -> None:
        """Drop every request (getUpdates too) that arrives in the next ``seconds``, unhandled."""
        self._down_until = time.monotonic() + min(seconds, _MAX_FAULT_SECONDS)

    def _queue_fault(self, method: str, kind: str, seconds: float, times: int) -> None:
        queue = self._failures.setdefault(method.lower(), deque())
        for _ in range(times):
            queue.append(_Failure(0, 0, None, kind=kind, seconds=min(seconds, _MAX_FAULT_SECONDS)))

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[Call]:
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def sent_messages(self, chat_id: int | None = None) -> list[JsonDict]:
        """Messages the bot sent (current state after edits; deleted ones left out), oldest first."""
        chats = [chat_id] if chat_id is not None else list(self._bot_message_ids)
        out: list[JsonDict] = []
        for chat in chats:
            store = self._messages.get(chat, {})
            out.extend(copy.deepcopy(store[mid]) for mid in self._bot_message_ids.get(chat, []) if mid in store)
        return out

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Text (or caption) of each message in :meth:`sent_messages`."""
        return [str(m.get("text", m.get("caption", ""))) for m in self.sent_messages(chat_id)]

    def last_bot_message(self, chat_id: int) -> JsonDict | None:
        messages = self.sent_messages(chat_id)
        return messages[-1] if messages else None

    def message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """Any stored message (pushed by the test or sent by the bot), as it is now."""
        found = self._messages.get(chat_id, {}).get(message_id)
        return copy.deepcopy(found) if found is not None else None

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates pushed but not yet confirmed by a getUpdates ``offset``."""
        return copy.deepcopy(self._pending)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
        consume: bool = True,
    ) -> Call:
        """Wait for the earliest call of ``method`` (case-insensitive) that matches ``predicate``.

        Calls already returned by an earlier ``wait_for_call`` are skipped, so waiting twice for
        "sendMessage" gives the first and then the second reply (pass ``consume=False`` to not mark
        the returned call). Only calls with ``index >= since`` count. Failed calls (``call.failed``)
        match too unless the predicate excludes them. Raises AssertionError listing the calls seen
        when nothing matches within ``timeout`` seconds.
        """
        wanted = method.lower()
        suffix = " matching the predicate" if predicate is not None else ""
        suffix += " not returned before" if self._consumed else ""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for call in self.calls[since:]:
                if call.index in self._consumed or call.method.lower() != wanted:
                    continue
                if predicate is None or predicate(call):
                    if consume:
                        self._consumed.add(call.index)
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._timeout_message(f"{method} call{suffix}", timeout))
            await self._wait_change(remaining)

    async def wait_for_calls(
        self, method: str, count: int, predicate: Callable[[Call], bool] | None = None, timeout: float = 5.0
    ) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` match ``predicate``; return all matching calls."""
        wanted = method.lower()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [c for c in self.calls if c.method.lower() == wanted and (predicate is None or predicate(c))]
            if len(found) >= count:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = f"{count} {method} calls{' matching the predicate' if predicate else ''} (got {len(found)})"
                raise AssertionError(self._timeout_message(what, timeout))
            await self._wait_change(remaining)

    def _timeout_message(self, what: str, timeout: float) -> str:
        seen = [c.summary() for c in self.calls if c.method != "getUpdates" or c.failed]
        polls = sum(1 for c in self.calls if c.method == "getUpdates" and c.ok)
        shown = "\n  ".join(seen[-40:]) or "(none)"
        return (
            f"FakeBotApi: no {what} within {timeout:g} s.\n"
            f"Calls seen ({len(self.calls)} in all, {polls} successful getUpdates not listed):\n  {shown}"
        )

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self, timeout: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(0.0, timeout))

    # ------------------------------------------------------------------ test data: users, chats, files

    def set_user(
        self,
        user_id: int,
        *,
        first_name: str = "Tester",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
    ) -> None:
        """Set how a user appears in the updates pushed for them (default: first_name "Tester", "nl")."""
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user

    def add_file(self, file_id: str, content: bytes) -> None:
        """Content served for ``file_id`` by getFile + download (default ``b"fake file <file_id>"``)."""
        self._files[file_id] = content

    def _user(self, user_id: int) -> JsonDict:
        if user_id not in self._users:
            self.set_user(user_id)
        return dict(self._users[user_id])

    def _chat(self, chat_id: int, chat_type: str | None = None, user_id: int | None = None) -> JsonDict:
        known = self._chats.get(chat_id)
        if chat_type is None:
            chat_type = known["type"] if known else ("private" if chat_id > 0 else "group")
        if known is not None and known["type"] == chat_type:
            return dict(known)
        chat: JsonDict = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = self._user(user_id if user_id is not None else chat_id)["first_name"]
        else:
            chat["title"] = f"Testgroep {abs(chat_id)}"
        self._chats[chat_id] = chat
        return dict(chat)

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _new_file_id(self, kind: str) -> tuple[str, str]:
        n = next(self._file_ids)
        return f"fake-{kind}-{n:06d}", f"uniq-{kind}-{n:06d}"

    # ------------------------------------------------------------------ test data: updates

    def push_update(self, payload: JsonDict) -> int:
        """Queue a raw update (``update_id`` is added); return its update_id."""
        update_id = next(self._update_ids)
        self._pending.append({"update_id": update_id, **copy.deepcopy(payload)})
        self._notify()
        return update_id

    def make_message(
        self,
        chat_id: int,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        reply_to_bot: bool = False,
        reply_to: int | None = None,
        **fields: Any,
    ) -> JsonDict:
        """Build and store a user's message dict (message_id, date, chat, from + ``fields``)."""
        sender_id = user_id if user_id is not None else (chat_id if chat_id > 0 else DEFAULT_USER_ID)
        chat = self._chat(chat_id, chat_type, sender_id)
        message: JsonDict = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(sender_id),
        }
        if reply_to_bot and reply_to is None:
            last = self.last_bot_message(chat_id)
            if last is None:
                raise ValueError(f"reply_to_bot=True, but the bot has sent nothing in chat {chat_id}")
            reply_to = int(last["message_id"])
        if reply_to is not None:
            replied = self.message(chat_id, reply_to)
            if replied is None:
                raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        message.update(fields)
        self._messages.setdefault(chat_id, {})[message["message_id"]] = copy.deepcopy(message)
        self._user_message_ids.setdefault(chat_id, []).append(message["message_id"])
        return message

    @staticmethod
    def text_entities(text: str) -> list[JsonDict]:
        """bot_command entities for ``/cmd`` words and mention entities for ``@name`` (UTF-16 offsets)."""
        entities: list[JsonDict] = []
        for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE)):
            for match in pattern.finditer(text):
                offset = _utf16_len(text[: match.start()])
                entities.append({"type": kind, "offset": offset, "length": _utf16_len(match.group())})
        entities.sort(key=lambda e: int(e["offset"]))
        return entities

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        reply_to_bot: bool = False,
        reply_to: int | None = None,
    ) -> int:
        """A text message from a user. ``chat_type`` None: as before for this chat, else "private"
        for a positive chat id and "group" for a negative one. ``user_id`` None: the chat id in a
        private chat, else DEFAULT_USER_ID. Commands and @mentions get their entities."""
        fields: JsonDict = {"text": text}
        if entities := self.text_entities(text):
            fields["entities"] = entities
        message = self.make_message(
            chat_id, user_id=user_id, chat_type=chat_type, reply_to_bot=reply_to_bot, reply_to=reply_to, **fields
        )
        return self.push_update({"message": message})

    def push_command(
        self,
        chat_id: int,
        command: str,
        args: str = "",
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        mention_bot: bool = False,
    ) -> int:
        """``/command[@bot] args`` as a message with a bot_command entity at offset 0."""
        word = "/" + command.lstrip("/")
        if mention_bot:
            word += "@" + self.bot_username
        text = f"{word} {args}" if args else word
        return self.push_text(chat_id, text, user_id=user_id, chat_type=chat_type)

    def push_callback(
        self, chat_id: int, data: str, message_id: int | None = None, *, user_id: int | None = None
    ) -> int:
        """A button press on a bot message (default: the bot's last message in the chat)."""
        if message_id is None:
            last = self.last_bot_message(chat_id)
            if last is None:
                raise ValueError(f"push_callback: the bot has sent no message in chat {chat_id}")
            message_id = int(last["message_id"])
        message = self.message(chat_id, message_id)
        if message is None:
            raise ValueError(f"push_callback: no message {message_id} in chat {chat_id}")
        sender_id = user_id if user_id is not None else (chat_id if chat_id > 0 else DEFAULT_USER_ID)
        query: JsonDict = {
            "id": str(next(self._query_ids)),
            "from": self._user(sender_id),
            "chat_instance": str(-abs(chat_id) * 31 - 17),
            "data": data,
            "message": message,
        }
        return self.push_update({"callback_query": query})

    def push_inline(
        self, query: str, *, user_id: int = DEFAULT_USER_ID, offset: str = "", chat_type: str | None = None
    ) -> int:
        """An inline query (``@bot query`` typed in any chat)."""
        inline: JsonDict = {"id": str(next(self._query_ids)), "from": self._user(user_id), "query": query}
        inline["offset"] = offset
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return self.push_update({"inline_query": inline})

    def push_edited(
        self,
        chat_id: int,
        text: str,
        message_id: int | None = None,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
    ) -> int:
        """An ``edited_message``: the user changes an earlier message (default: their last one in the chat)."""
        if message_id is None:
            own = self._user_message_ids.get(chat_id, [])
            if own:
                message_id = own[-1]
        original = self.message(chat_id, message_id) if message_id is not None else None
        if original is None:
            original = self.make_message(chat_id, user_id=user_id, chat_type=chat_type, text=text)
        original["text"] = text
        original["edit_date"] = int(time.time())
        original.pop("entities", None)
        if entities := self.text_entities(text):
            original["entities"] = entities
        self._messages.setdefault(chat_id, {})[original["message_id"]] = copy.deepcopy(original)
        return self.push_update({"edited_message": original})

    def push_photo(
        self, chat_id: int, *, caption: str | None = None, user_id: int | None = None, chat_type: str | None = None
    ) -> int:
        file_id, unique = self._new_file_id("photo")
        sizes = [
            {"file_id": f"{file_id}-{w}", "file_unique_id": f"{unique}-{w}", "width": w, "height": h, "file_size": s}
            for w, h, s in ((90, 68, 1_500), (320, 240, 15_000), (1280, 960, 120_000))
        ]
        fields: JsonDict = {"photo": sizes}
        if caption is not None:
            fields["caption"] = caption
        message = self.make_message(chat_id, user_id=user_id, chat_type=chat_type, **fields)
        return self.push_update({"message": message})

    def push_sticker(
        self, chat_id: int, *, emoji: str = "👍", user_id: int | None = None, chat_type: str | None = None
    ) -> int:
        file_id, unique = self._new_file_id("sticker")
        sticker: JsonDict = {
            "file_id": file_id,
            "file_unique_id": unique,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 20_000,
        }
        message = self.make_message(chat_id, user_id=user_id, chat_type=chat_type, sticker=sticker)
        return self.push_update({"message": message})

    def push_voice(
        self, chat_id: int, *, duration: int = 3, user_id: int | None = None, chat_type: str | None = None
    ) -> int:
        file_id, unique = self._new_file_id("voice")
        voice: JsonDict = {
            "file_id": file_id,
            "file_unique_id": unique,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4_000 * duration,
        }
        message = self.make_message(chat_id, user_id=user_id, chat_type=chat_type, voice=voice)
        return self.push_update({"message": message})

    def push_document(
        self,
        chat_id: int,
        *,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
    ) -> int:
        file_id, unique = self._new_file_id("document")
        document: JsonDict = {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": 12_345,
        }
        fields: JsonDict = {"document": document}
        if caption is not None:
            fields["caption"] = caption
        message = self.make_message(chat_id, user_id=user_id, chat_type=chat_type, **fields)
        return self.push_update({"message": message})

    def push_location(
        self,
        chat_id: int,
        latitude: float = 52.0799,
        longitude: float = 4.3113,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
    ) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        message = self.make_message(chat_id, user_id=user_id, chat_type=chat_type, location=location)
        return self.push_update({"message": message})

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        token_and_rest = None
        is_file = path.startswith("/file/bot")
        if is_file:
            token_and_rest = path[len("/file/bot") :]
        elif path.startswith("/bot"):
            token_and_rest = path[len("/bot") :]
        if not token_and_rest or "/" not in token_and_rest:
            return self._error(HTTPStatus.NOT_FOUND, "Not Found")
        token, rest = token_and_rest.split("/", 1)
        if is_file:
            await self._emulate_round_trip()
            if token != self.token:
                return self._error(HTTPStatus.UNAUTHORIZED, "Unauthorized")
            return self._download(rest)

        params, files = await self._read_params(request)
        method = _CANONICAL.get(rest.lower(), rest)
        arrived = time.monotonic()
        record = self.record_get_updates or method != "getUpdates"
        if arrived < self._down_until:
            return self._drop(request, Call(index=len(self.calls), method=method, params=params, at=arrived), record)
        if method != "getUpdates":
            await self._emulate_round_trip()
        # Numbered after the wait: calls answered in the same wait never share an index.
        call = Call(index=len(self.calls), method=method, params=params, files=files, at=arrived)
        if token != self.token:
            return self._finish(call, record, self._error(HTTPStatus.UNAUTHORIZED, "Unauthorized"))

        failures = self._failures.get(method.lower())
        late = 0.0
        if failures:
            failure = failures.popleft()
            if failure.kind == "hang":
                await asyncio.sleep(failure.seconds)
            if failure.kind in ("reset", "hang"):
                return self._drop(request, call, record)
            if failure.kind == "late":
                late = failure.seconds
            else:
                return self._finish(call, record, self._injected(failure))

        if method == "getUpdates":
            if record:
                self.calls.append(call)
                self._notify()
            result = await self._get_updates(params)
            call.result = result
            call.answered_at = time.monotonic()
            return web.json_response({"ok": True, "result": result})

        try:
            result = self._dispatch(method, params, files)
        except _Reply as reply:
            return self._finish(call, record, self._error(reply.status, reply.description, reply.retry_after))
        call.result = result
        if late:
            await asyncio.sleep(late)  # delivered already; only the answer is late
        return self._finish(call, record, web.json_response({"ok": True, "result": result}))

    def _drop(self, request: web.Request, call: Call, record: bool) -> web.Response:
        """Close the connection without an answer (recorded with status 0)."""
        if request.transport is not None:
            request.transport.abort()
        call.status = 0
        call.error = "connection dropped"
        call.answered_at = time.monotonic()
        if record:
            self.calls.append(call)
            self._notify()
        return web.Response(status=HTTPStatus.OK)  # never reaches the client

    async def _emulate_round_trip(self) -> None:
        """Wait ``response_delay`` seconds (the network round trip to Telegram); no wait at all for 0."""
        if self._response_delay > 0:
            await asyncio.sleep(self._response_delay)

    def _finish(self, call: Call, record: bool, response: web.Response) -> web.Response:
        call.status = response.status
        call.answered_at = time.monotonic()
        if response.status != HTTPStatus.OK:
            call.error = response.text
        if record:
            self.calls.append(call)
            self._notify()
        return response

    @staticmethod
    def _error(status: int, description: str, retry_after: float | None = None) -> web.Response:
        body: JsonDict = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    def _injected(self, failure: _Failure) -> web.Response:
        status = failure.status
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            description = failure.description or f"Too Many Requests: retry after {failure.retry_after}"
            return self._error(status, description, retry_after=failure.retry_after)
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            return web.Response(status=status, text=failure.description or phrase, content_type="text/plain")
        defaults = {
            400: "Bad Request: injected failure",
            401: "Unauthorized",
            403: "Forbidden: bot was blocked by the user",
            404: "Not Found",
            409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        }
        return self._error(status, failure.description or defaults.get(status, phrase))

    async def _read_params(self, request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
        params: JsonDict = {key: _decode_value(key, value) for key, value in request.query.items()}
        files: dict[str, UploadedFile] = {}
        if not request.can_read_body:
            return params, files
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.read()
            body = json.loads(raw) if raw.strip() else {}
            if isinstance(body, dict):
                for key, value in body.items():
                    params[key] = _decode_value(key, value) if isinstance(value, str) else value
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
                else:
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes | bytearray) else value
                    params[key] = _decode_value(key, text)
        else:
            await request.read()
        return params, files

    def _download(self, file_path: str) -> web.Response:
        file_id = file_path.removeprefix("files/")
        if file_path.startswith("files/"):
            content = self._files.get(file_id, f"fake file {file_id}".encode())
            return web.Response(body=content, content_type="application/octet-stream")
        return self._error(HTTPStatus.NOT_FOUND, "Not Found")

    # ------------------------------------------------------------------ Bot API methods

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        offset = _as_int(params.get("offset"))
        if offset is not None and offset < 0:
            self._pending = self._pending[offset:]
        elif offset:
            self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        try:
            timeout = max(0.0, float(params.get("timeout") or 0))
        except (TypeError, ValueError):
            timeout = 0.0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(timeout, self.long_poll_cap)
        while not self._pending and not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._wait_change(remaining)
        return copy.deepcopy(self._pending[:limit])

    def _dispatch(self, method: str, params: JsonDict, files: dict[str, UploadedFile]) -> Any:
        name = method.lower()
        if name == "getme":
            return dict(self.bot_user)
        if name == "deletewebhook":
            self.webhook_url = ""
            if params.get("drop_pending_updates"):
                self._pending.clear()
            return True
        if name == "setwebhook":
            self.webhook_url = str(params.get("url", ""))
            return True
        if name == "getwebhookinfo":
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
        if name in ("setmycommands", "getmycommands", "deletemycommands"):
            key = json.dumps([params.get("scope") or {"type": "default"}, params.get("language_code") or ""])
            if name == "setmycommands":
                commands = params.get("commands")
                self._commands[key] = list(commands) if isinstance(commands, list) else []
                return True
            if name == "deletemycommands":
                self._commands.pop(key, None)
                return True
            return copy.deepcopy(self._commands.get(key, []))
        if name == "sendmessage":
            return self._send(params, {"text": self._require_str(params, "text")})
        if name in _SEND_MEDIA:
            return self._send(params, self._media_fields(_SEND_MEDIA[name], params, files))
        if name == "sendlocation":
            fields = {"location": {"latitude": params.get("latitude"), "longitude": params.get("longitude")}}
            return self._send(params, fields)
        if name == "editmessagetext":
            return self._edit(params, text=self._require_str(params, "text"))
        if name == "editmessagereplymarkup":
            return self._edit(params, text=None)
        if name == "deletemessage":
            chat_id = self._chat_id(params)
            message_id = _as_int(params.get("message_id"))
            store = self._messages.get(chat_id, {})
            if message_id is None or message_id not in store:
                raise _Reply(HTTPStatus.BAD_REQUEST, "Bad Request: message to delete not found")
            del store[message_id]
            return True
        if name == "getfile":
            file_id = self._require_str(params, "file_id")
            size = len(self._files.get(file_id, f"fake file {file_id}".encode()))
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": size,
                "file_path": f"files/{file_id}",
            }
        # answerCallbackQuery, answerInlineQuery, sendChatAction, close, logOut and anything unknown.
        return True

    @staticmethod
    def _require_str(params: JsonDict, key: str) -> str:
        value = params.get(key)
        if value is None or value == "":
            raise _Reply(HTTPStatus.BAD_REQUEST, f"Bad Request: {key} is empty")
        return str(value)

    @staticmethod
    def _chat_id(params: JsonDict) -> int:
        chat_id = _as_int(params.get("chat_id"))
        if chat_id is None:
            raise _Reply(HTTPStatus.BAD_REQUEST, "Bad Request: chat not found")
        return chat_id

    @staticmethod
    def _inline_markup(params: JsonDict) -> JsonDict | None:
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            return markup
        return None

    def _send(self, params: JsonDict, fields: JsonDict) -> JsonDict:
        chat_id = self._chat_id(params)
        self._flood_control(chat_id)
        message: JsonDict = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": dict(self.bot_user),
        }
        message.update(fields)
        for key in ("entities", "caption_entities"):
            if isinstance(params.get(key), list):
                message[key] = params[key]
        if isinstance(params.get("caption"), str) and "caption" not in message:
            message["caption"] = params["caption"]
        reply_parameters = params.get("reply_parameters")
        reply_to = _as_int(reply_parameters.get("message_id")) if isinstance(reply_parameters, dict) else None
        reply_to = reply_to if reply_to is not None else _as_int(params.get("reply_to_message_id"))
        if reply_to is not None and (replied := self.message(chat_id, reply_to)) is not None:
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        if (markup := self._inline_markup(params)) is not None:
            message["reply_markup"] = markup
        self._messages.setdefault(chat_id, {})[message["message_id"]] = copy.deepcopy(message)
        self._bot_message_ids.setdefault(chat_id, []).append(message["message_id"])
        return message

    def _flood_control(self, chat_id: int) -> None:
        """Telegram's per-chat flood limit: 429 for a message sooner than ``flood_interval`` after the last."""
        if self.flood_interval <= 0:
            return
        now = time.monotonic()
        last = self._last_delivered.get(chat_id)
        if last is not None and now - last < self.flood_interval:
            left = self.flood_interval - (now - last)
            retry_after = math.ceil(left) if self.flood_interval >= 1 else round(left, 3)
            raise _Reply(HTTPStatus.TOO_MANY_REQUESTS, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._last_delivered[chat_id] = now

    def _media_fields(self, kind: str, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        value = params.get(kind)
        file_id, unique = self._new_file_id(kind)
        if isinstance(value, str) and not value.startswith(("attach://", "http://", "https://")):
            file_id = value  # re-sending a known file_id
        upload = files.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"), upload)
        size = len(upload.data) if upload is not None else 10_000
        base: JsonDict = {"file_id": file_id, "file_unique_id": unique, "file_size": size}
        if kind == "photo":
            return {"photo": [{**base, "width": 640, "height": 480}]}
        if kind == "sticker":
            return {
                "sticker": {
                    **base,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        if kind in ("voice", "audio"):
            return {kind: {**base, "duration": 3}}
        if kind in ("video", "animation"):
            return {kind: {**base, "width": 640, "height": 480, "duration": 3}}
        name = upload.filename if upload is not None and upload.filename else "file.bin"
        return {"document": {**base, "file_name": name}}

    def _edit(self, params: JsonDict, *, text: str | None) -> Any:
        if params.get("inline_message_id"):
            return True
        chat_id = self._chat_id(params)
        message_id = _as_int(params.get("message_id"))
        store = self._messages.get(chat_id, {})
        if message_id is None or message_id not in store:
            raise _Reply(HTTPStatus.BAD_REQUEST, "Bad Request: message to edit not found")
        if message_id not in self._bot_message_ids.get(chat_id, []):
            raise _Reply(HTTPStatus.BAD_REQUEST, "Bad Request: message can't be edited")
        old = store[message_id]
        new = copy.deepcopy(old)
        if text is not None:
            new["text"] = text
            new.pop("entities", None)
            if isinstance(params.get("entities"), list):
                new["entities"] = params["entities"]
        new.pop("reply_markup", None)
        if (markup := self._inline_markup(params)) is not None:
            new["reply_markup"] = markup
        if new.get("text") == old.get("text") and new.get("reply_markup") == old.get("reply_markup"):
            raise _Reply(HTTPStatus.BAD_REQUEST, _NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        store[message_id] = new
        return copy.deepcopy(new)

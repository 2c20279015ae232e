"""An offline request class for python-telegram-bot, as in PTB's own test suite.

Handlers run through the real dispatcher (`Application.process_update`); every Bot API
call lands here instead of on the internet, is recorded, and gets a plausible answer.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram.request import BaseRequest, RequestData

BOT_ID = 4242
BOT_USERNAME = "jep_test_bot"


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]


@dataclass
class OfflineRequest(BaseRequest):
    calls: list[ApiCall] = field(default_factory=list)
    fail_methods: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500))

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = {}
        if request_data is not None:
            for key, value in request_data.json_parameters.items():
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        self.calls.append(ApiCall(api_method, params))
        if api_method in self.fail_methods:
            return 400, json.dumps({"ok": False, "error_code": 400, "description": "Bad Request: test"}).encode()
        return 200, json.dumps({"ok": True, "result": self._result(api_method, params)}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "JEP",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "supports_inline_queries": True,
            }
        if method in {"sendMessage", "editMessageText"}:
            chat_id = params.get("chat_id", 1)
            return {
                "message_id": params.get("message_id", next(self._ids)),
                "date": int(dt.datetime.now(dt.UTC).timestamp()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "JEP", "username": BOT_USERNAME},
                "text": params.get("text", ""),
                **({"reply_markup": params["reply_markup"]} if "reply_markup" in params else {}),
            }
        return True

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]


_ids = itertools.count(1)
USER_DICT = {"id": 1001, "is_bot": False, "first_name": "Sanne", "language_code": "nl"}


def message_dict(
    text: str | None = None, *, chat_type: str = "private", chat_id: int = 1001, **extra: Any
) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type != "private":
        chat["title"] = "Oudergroep"
    data: dict[str, Any] = {"message_id": next(_ids), "date": 1_780_000_000, "chat": chat, "from": USER_DICT, **extra}
    if text is not None:
        data["text"] = text
        if text.startswith("/"):
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return data


def text_update(bot: Bot, text: str, **kwargs: Any) -> Update:
    return Update.de_json({"update_id": next(_ids), "message": message_dict(text, **kwargs)}, bot)


def update_from(bot: Bot, **fields: Any) -> Update:
    return Update.de_json({"update_id": next(_ids), **fields}, bot)


def callback_update(
    bot: Bot,
    data: str,
    *,
    chat_id: int = 1001,
    message_text: str = "Antwoord",
    reply_markup: dict[str, Any] | None = None,
) -> Update:
    message = {
        "message_id": next(_ids),
        "date": 1_780_000_000,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "JEP", "username": BOT_USERNAME},
        "text": message_text,
    }
    if reply_markup is not None:
        message["reply_markup"] = reply_markup
    query = {"id": str(next(_ids)), "from": USER_DICT, "chat_instance": "ci", "data": data, "message": message}
    return update_from(bot, callback_query=query)

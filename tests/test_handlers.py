"""Telegram handlers through the real PTB dispatcher (`Application.process_update`), offline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Config, StorageConfig, TelegramConfig
from bot.handlers import COMMANDS, split_message, tappable
from bot.knowledge import Knowledge
from bot.storage import Storage
from bot.telegram_app import build_application
from tests.conftest import OPEN_MOMENT
from tests.offline_request import (
    BOT_ID,
    BOT_USERNAME,
    USER_DICT,
    OfflineRequest,
    callback_update,
    message_dict,
    text_update,
    update_from,
)

App = Any


@pytest.fixture
async def app(knowledge: Knowledge, tmp_path: Any) -> AsyncIterator[tuple[App, OfflineRequest, Storage]]:
    config = Config(telegram=TelegramConfig(token="123:TEST"), storage=StorageConfig(path=tmp_path / "bot.sqlite3"))
    storage = await Storage.open(config.storage)
    request = OfflineRequest()
    application = build_application(
        config,
        knowledge,
        storage=storage,
        request=request,
        get_updates_request=OfflineRequest(),
        clock=lambda: OPEN_MOMENT,
    )
    async with application:
        assert application.post_init is not None
        await application.post_init(application)
        yield application, request, storage
    await storage.close()


def texts(request: OfflineRequest) -> list[str]:
    return [str(p["text"]) for p in request.sent()]


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    markup = params.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


async def test_commands_are_registered_in_the_menu(app: tuple[App, OfflineRequest, Storage]) -> None:
    _, request, _ = app
    registered = request.sent("setMyCommands")[-1]["commands"]
    assert [c["command"] for c in registered] == [c.command for c in COMMANDS]


async def test_start_says_it_is_an_automated_assistant(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(text_update(application.bot, "/start"))
    welcome = texts(request)[-1]
    assert "geautomatiseerde assistent, geen mens" in welcome
    assert "/onderwerpen" in welcome


async def test_start_deep_link_for_parents_sets_the_audience(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, storage = app
    await application.process_update(text_update(application.bot, "/start ouders"))
    assert "Als ouder kun je mij" in texts(request)[-1]
    assert await storage.get_preference(1001, "audience") == "parents"


async def test_the_chosen_audience_decides_a_tie(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(text_update(application.bot, "school en hulp"))
    assert texts(request)[-1].startswith("Ik weet niet zeker wat je bedoelt.")  # a tie: which one?
    await application.process_update(text_update(application.bot, "/start professionals"))
    await application.process_update(text_update(application.bot, "school en hulp"))
    assert texts(request)[-1].startswith("<b>Hoe start ik een samenwerking tussen school en jongerenwerk?</b>")


async def test_start_deep_link_to_an_entry_answers_it(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(text_update(application.bot, "/start politie-protocol"))
    assert "samenwerkingsprotocol" in texts(request)[-1].lower()


async def test_a_question_gets_an_html_answer_with_buttons(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, storage = app
    await application.process_update(text_update(application.bot, "wat doet een <b>jongerenwerker</b>?"))
    sent = request.sent()[-1]
    assert sent["parse_mode"] == "HTML"
    assert sent["text"].startswith("<b>Wat doet een jongerenwerker?</b>")
    labels = [text for text, _ in buttons(sent)]
    assert labels[-2:] == ["👍", "👎"]
    assert all(len(data.encode()) <= 64 for _, data in buttons(sent))
    assert (await storage.outcome_counts()).get("answer") == 1


async def test_phone_numbers_are_tappable() -> None:
    assert tappable("Bel 070 - 333 4558 of 0800-2000") == "Bel +31 70 333 4558 of 0800-2000"


async def test_clarify_offers_choices_and_none_of_these(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, storage = app
    await application.process_update(text_update(application.bot, "school"))
    sent = request.sent()[-1]
    data = [d for _, d in buttons(sent)]
    assert data[-1] == "n" and all(d.startswith("a|") for d in data[:-1])
    assert [q.question for q in await storage.review_questions()] == ["school"]


async def test_choice_button_gives_the_answer(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(callback_update(application.bot, "a|politie-protocol"))
    assert request.sent("answerCallbackQuery")
    assert "samenwerkingsprotocol" in texts(request)[-1].lower()


async def test_none_of_these_escalates(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(callback_update(application.bot, "n"))
    assert "+31 70 333 4558" in texts(request)[-1]
    assert "De lijn is nu open, tot 17.00 uur." in texts(request)[-1]


async def test_thumbs_down_offers_the_advice_line_and_is_stored(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, storage = app
    markup = {
        "inline_keyboard": [
            [{"text": "Gerelateerd", "callback_data": "a|politie-samenwerking"}],
            [
                {"text": "👍", "callback_data": "f|1|politie-protocol"},
                {"text": "👎", "callback_data": "f|0|politie-protocol"},
            ],
        ]
    }
    await application.process_update(callback_update(application.bot, "f|0|politie-protocol", reply_markup=markup))
    assert request.sent("answerCallbackQuery")[-1]["text"] == "Dank je voor je reactie!"
    assert "Jammer dat ik je niet verder kon helpen" in texts(request)[-1]
    kept = request.sent("editMessageReplyMarkup")[-1]["reply_markup"]["inline_keyboard"]
    assert kept == [[{"text": "Gerelateerd", "callback_data": "a|politie-samenwerking"}]]
    assert await storage.feedback_counts() == {"politie-protocol": (0, 1)}


async def test_a_button_for_a_removed_entry_is_answered_gracefully(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(callback_update(application.bot, "a|verwijderd-item"))
    assert request.sent("answerCallbackQuery")
    assert "niet meer in mijn lijst" in texts(request)[-1]


async def test_garbage_callback_data_is_answered(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(callback_update(application.bot, "zz|??"))
    assert len(request.sent("answerCallbackQuery")) == 1


async def test_topic_menu_navigation(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(text_update(application.bot, "/onderwerpen"))
    menu = request.sent()[-1]
    assert menu["text"] == "Kies een onderwerp:"
    first_topic = buttons(menu)[0]
    assert first_topic[1] == "t|0|0"
    await application.process_update(callback_update(application.bot, "t|0|0"))
    page = request.sent("editMessageText")[-1]
    assert page["text"] == f"Vragen over {first_topic[0]}:"
    assert buttons(page)[-1] == ("« Onderwerpen", "T|0")
    assert all(d.startswith("a|") for _, d in buttons(page)[:-2] if d)
    await application.process_update(callback_update(application.bot, "T|0"))
    assert request.sent("editMessageText")[-1]["text"] == "Kies een onderwerp:"


async def test_contact_command(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(text_update(application.bot, "/contact"))
    text = texts(request)[-1]
    assert "platformjep@minszw.nl" in text and "+31 70 333 4558" in text


@pytest.mark.parametrize("command", ["/help", "/privacy"])
async def test_help_and_privacy(app: tuple[App, OfflineRequest, Storage], command: str) -> None:
    application, request, _ = app
    await application.process_update(text_update(application.bot, command))
    assert texts(request)[-1]


@pytest.mark.parametrize("typed", ["help", "hulp", "ik snap het niet"])
async def test_typing_help_gets_the_same_text_as_the_help_command(
    app: tuple[App, OfflineRequest, Storage], typed: str
) -> None:
    application, request, _ = app
    await application.process_update(text_update(application.bot, "/help"))
    await application.process_update(text_update(application.bot, typed))
    command, text = texts(request)[-2:]
    assert text == command
    assert "reply_markup" not in request.sent()[-1]


async def test_crisis_lines_come_first(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, storage = app
    await application.process_update(text_update(application.bot, "ik wil niet meer leven"))
    assert texts(request)[-1].startswith("• 113 Zelfmoordpreventie: 113 of gratis 0800-0113")
    assert "reply_markup" not in request.sent()[-1]  # no hand-over or feedback buttons on a crisis reply
    await storage.flush()
    assert await storage.review_questions() == []  # crisis text is never stored


async def test_a_message_with_a_crisis_signal_is_never_stored(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, storage = app
    await application.process_update(text_update(application.bot, "hoe werkt de meldcode kindermishandeling?"))
    assert texts(request)[-1].endswith("Bel Veilig Thuis (0800-2000), of bij direct gevaar 112.")  # the safety line
    await application.process_update(text_update(application.bot, "hoe vraag ik een paspoort aan?"))
    await storage.flush()
    assert [q.question for q in await storage.review_questions()] == ["hoe vraag ik een paspoort aan?"]


async def test_after_a_crisis_reply_every_reply_ends_with_the_reminder(
    app: tuple[App, OfflineRequest, Storage],
) -> None:
    application, request, _ = app
    await application.process_update(text_update(application.bot, "papa slaat mama weer"))
    await application.process_update(text_update(application.bot, "wat doet een jongerenwerker?"))
    reminder = "<i>Denk eraan: Veilig Thuis (0800-2000) is er dag en nacht; bij direct gevaar bel je 112.</i>"
    assert texts(request)[-1].endswith(reminder)
    await application.process_update(callback_update(application.bot, "a|ouders-opvoedvragen"))
    assert texts(request)[-1].endswith(reminder)  # button replies too


@pytest.mark.parametrize(
    "fields",
    [
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
        {"location": {"latitude": 52.1, "longitude": 5.1}},
        {"document": {"file_id": "d", "file_unique_id": "d"}},
    ],
)
async def test_non_text_gets_a_friendly_reply(app: tuple[App, OfflineRequest, Storage], fields: dict[str, Any]) -> None:
    application, request, _ = app
    await application.process_update(update_from(application.bot, message=message_dict(None, **fields)))
    assert texts(request)[-1].startswith("Ik kan alleen tekst lezen")


async def test_edited_messages_are_ignored(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    before = len(request.sent())
    await application.process_update(
        update_from(application.bot, edited_message=message_dict("wat doet jos?", edit_date=1_780_000_100))
    )
    assert len(request.sent()) == before


async def test_groups_only_when_addressed(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    before = len(request.sent())
    await application.process_update(
        text_update(application.bot, "wat doet een jongerenwerker", chat_type="group", chat_id=-5)
    )
    assert len(request.sent()) == before
    await application.process_update(
        text_update(application.bot, f"@{BOT_USERNAME} wat doet een jongerenwerker", chat_type="group", chat_id=-5)
    )
    assert texts(request)[-1].startswith("<b>Wat doet een jongerenwerker?</b>")
    reply_to_bot = {
        "message_id": 7,
        "date": 1_780_000_000,
        "chat": {"id": -5, "type": "group", "title": "g"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "JEP"},
        "text": "...",
    }
    await application.process_update(
        text_update(
            application.bot, "en wat doet de politie dan?", chat_type="group", chat_id=-5, reply_to_message=reply_to_bot
        )
    )
    assert len(request.sent()) == before + 2


async def test_a_very_long_message_is_answered(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(text_update(application.bot, "help " * 3000))
    assert request.sent()


def test_split_message_keeps_chunks_under_the_limit_and_loses_nothing() -> None:
    text = "\n\n".join(f"<b>Kop {i}</b>\n" + "woord &amp; nog " * 120 for i in range(12))
    chunks = split_message(text, limit=4096)
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    assert "".join(chunks).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    assert not any(c.endswith("&amp") or c.startswith("amp;") for c in chunks)


async def test_inline_mode_returns_articles(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    query = {
        "id": "iq1",
        "from": {"id": 1001, "is_bot": False, "first_name": "Sanne"},
        "query": "samenwerkingsprotocol politie",
        "offset": "",
    }
    await application.process_update(update_from(application.bot, inline_query=query))
    results = request.sent("answerInlineQuery")[-1]["results"]
    assert results and results[0]["id"] == "politie-protocol"
    assert results[0]["input_message_content"]["parse_mode"] == "HTML"


async def test_errors_are_logged_and_the_user_gets_an_apology(
    app: tuple[App, OfflineRequest, Storage], caplog: pytest.LogCaptureFixture
) -> None:
    application, request, _ = app
    application.bot_data["admin_chat_id"] = -100
    request.fail_methods.add("sendMessage")  # the answer itself fails ...
    await application.process_update(text_update(application.bot, "wat doet een jongerenwerker"))
    request.fail_methods.clear()
    assert "Error while handling an update" in caplog.text
    assert any("Traceback" not in t for t in texts(request))
    # ... the apology and the admin notice were attempted after it.
    chats = [p["chat_id"] for p in request.sent()]
    assert chats[-2:] == [1001, -100] or chats[-1] == -100


async def test_topic_pages_and_audience_order(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, storage = app
    engine = application.bot_data["engine"]
    index = next(i for i, t in enumerate(engine.knowledge.topics) if t == "Het JOS-traject")
    await application.process_update(callback_update(application.bot, f"t|{index}|0"))
    first = request.sent("editMessageText")[-1]
    assert ("Meer »", f"t|{index}|1") in buttons(first)
    await application.process_update(callback_update(application.bot, f"t|{index}|1"))
    second = request.sent("editMessageText")[-1]
    assert ("« Vorige", f"t|{index}|0") in buttons(second)
    questions = [label for label, data in buttons(first) + buttons(second) if data.startswith("a|")]
    assert len(questions) == len(set(questions)) == 7
    # After /start ouders, entries for parents come first.
    await storage.set_preference(1001, "audience", "parents")
    await application.process_update(callback_update(application.bot, f"t|{index}|0"))
    ordered = [data[2:] for _, data in buttons(request.sent("editMessageText")[-1]) if data.startswith("a|")]
    audiences = [engine.knowledge.get(i).audience for i in ordered]
    assert audiences == sorted(audiences, key=lambda a: a not in {"parents", "both"})


async def test_a_stale_topic_index_shows_the_topic_list(app: tuple[App, OfflineRequest, Storage]) -> None:
    application, request, _ = app
    await application.process_update(callback_update(application.bot, "t|99|0"))
    assert request.sent("editMessageText")[-1]["text"] == "Kies een onderwerp:"


FEEDBACK_MARKUP = {
    "inline_keyboard": [
        [
            {"text": "👍", "callback_data": "f|1|politie-protocol"},
            {"text": "👎", "callback_data": "f|0|politie-protocol"},
        ]
    ]
}


def press(bot: Any, data: str, message_id: int, markup: dict[str, Any] | None) -> Any:
    """A button press on one particular bot message (the same message each time)."""
    message = {
        "message_id": message_id,
        "date": 1_780_000_000,
        "chat": {"id": 1001, "type": "private"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "JEP", "username": BOT_USERNAME},
        "text": "Antwoord",
        **({"reply_markup": markup} if markup is not None else {}),
    }
    query = {"id": str(message_id), "from": USER_DICT, "chat_instance": "ci", "data": data, "message": message}
    return update_from(bot, callback_query=query)


@pytest.mark.parametrize(
    ("data", "markup"),
    [
        ("f|1|adres", FEEDBACK_MARKUP),  # forged: another entry than the message offered
        ("f|1|politie-protocol", None),  # the message has no 👍/👎 (anymore)
        ("f|1|politie-protocol", {"inline_keyboard": [[{"text": "x", "callback_data": "a|adres"}]]}),
    ],
)
async def test_feedback_counts_only_on_the_message_it_was_offered_on(
    app: tuple[App, OfflineRequest, Storage], data: str, markup: dict[str, Any] | None
) -> None:
    application, request, storage = app
    await application.process_update(press(application.bot, data, 77, markup))
    assert await storage.feedback_counts() == {}
    assert request.sent("answerCallbackQuery")[-1].get("text") is None  # no thanks for nothing
    assert request.sent() == []


async def test_feedback_counts_once_per_person_and_message_however_often_replayed(
    app: tuple[App, OfflineRequest, Storage],
) -> None:
    application, _, storage = app
    for _ in range(20):  # the same press replayed
        await application.process_update(press(application.bot, "f|1|politie-protocol", 78, FEEDBACK_MARKUP))
    await application.process_update(press(application.bot, "f|1|politie-protocol", 79, FEEDBACK_MARKUP))
    assert await storage.feedback_counts() == {"politie-protocol": (2, 0)}


async def test_a_press_too_old_to_answer_still_gets_its_reply(app: tuple[App, OfflineRequest, Storage]) -> None:
    """Handled again after a restart, Telegram refuses to answer the query; the reply still comes, no apology."""
    application, request, _ = app
    request.fail_methods.add("answerCallbackQuery")
    await application.process_update(callback_update(application.bot, "a|politie-protocol"))
    assert texts(request)[-1].startswith("<b>Wat is een samenwerkingsprotocol met de politie?</b>")
    assert not any(text.startswith("Sorry") for text in texts(request))

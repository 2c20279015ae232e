"""The staff workflow in Telegram: admins, reload while answering, hand-over, /vergeet.

Handlers run through PTB's real dispatcher with the offline request class; the hand-over
round trip also runs end to end through the fake Bot API (tests/test_telegram_app.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, StorageConfig, TelegramConfig
from bot.handlers import ENGINE_KEY, reload_knowledge
from bot.knowledge import require_knowledge
from bot.storage import Storage
from bot.telegram_app import build_application
from tests.conftest import OPEN_MOMENT
from tests.offline_request import OfflineRequest, callback_update, text_update

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 1001  # the user of tests.offline_request's updates
STAFF_CHAT = -4000

App = Any


@pytest.fixture
async def staff_app(tmp_path: Path) -> AsyncIterator[tuple[App, OfflineRequest, Storage, Path]]:
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    config = Config(
        knowledge_dir=folder,
        telegram=TelegramConfig(token="123:TEST", admin_ids=(ADMIN,), handoff_chat_id=STAFF_CHAT, reload_seconds=0),
        storage=StorageConfig(path=tmp_path / "bot.sqlite3", pseudonym_key="k", retention_days=30),
    )
    storage = await Storage.open(config.storage)
    request = OfflineRequest()
    app = build_application(
        config,
        require_knowledge(folder),
        storage=storage,
        request=request,
        get_updates_request=OfflineRequest(),
        clock=lambda: OPEN_MOMENT,
    )
    async with app:
        yield app, request, storage, folder
    await storage.close()


def texts(request: OfflineRequest) -> list[str]:
    return [str(p["text"]) for p in request.sent()]


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("command", ["/herlaad", "/stats", "/onbeantwoord"])
async def test_admin_commands_are_refused_politely_for_others(
    staff_app: tuple[App, OfflineRequest, Storage, Path], command: str
) -> None:
    app, request, _, _ = staff_app
    config = app.bot_data["config"]
    app.bot_data["config"] = dataclasses.replace(
        config, telegram=dataclasses.replace(config.telegram, admin_ids=(999,))
    )
    await app.process_update(text_update(app.bot, command))
    assert texts(request)[-1] == "Deze opdracht is alleen voor medewerkers van Platform JEP."


async def test_stats_and_unanswered_for_admins(staff_app: tuple[App, OfflineRequest, Storage, Path]) -> None:
    app, request, _, _ = staff_app
    await app.process_update(text_update(app.bot, "wat doet een jongerenwerker"))
    await app.process_update(text_update(app.bot, "hoe vraag ik een paspoort aan"))
    await app.process_update(text_update(app.bot, "/stats"))
    stats = texts(request)[-1]
    assert "• beantwoord: 1" in stats and "• doorverwezen: 1" in stats
    await app.process_update(text_update(app.bot, "/onbeantwoord"))
    assert "hoe vraag ik een paspoort aan" in texts(request)[-1]


async def test_reload_command_with_a_good_edit(staff_app: tuple[App, OfflineRequest, Storage, Path]) -> None:
    app, request, _, folder = staff_app
    edit(folder, "faq-ouders.yaml", "question: ", "question: Bijgewerkt - ")
    await app.process_update(text_update(app.bot, "/herlaad"))
    assert texts(request)[-1] == "Kennisbank geladen: 49 vragen uit 13 bestanden."
    assert any(e.question.startswith("Bijgewerkt - ") for e in app.bot_data[ENGINE_KEY].knowledge.entries)


async def test_reload_command_with_a_broken_edit_keeps_the_old_knowledge(
    staff_app: tuple[App, OfflineRequest, Storage, Path],
) -> None:
    app, request, _, folder = staff_app
    old_engine = app.bot_data[ENGINE_KEY]
    edit(folder, "faq-ouders.yaml", "    answer:", "    anwser:")
    await app.process_update(text_update(app.bot, "/herlaad"))
    reply = texts(request)[-1]
    assert reply.startswith("De gewijzigde kennisbank heeft fouten.")
    assert "==&gt; File " in reply and "faq-ouders.yaml, line " in reply
    assert "=====&gt; Error: unknown key 'anwser'." in reply
    assert app.bot_data[ENGINE_KEY] is old_engine
    await app.process_update(text_update(app.bot, "wat doet een jongerenwerker"))
    assert texts(request)[-1].startswith("<b>Wat doet een jongerenwerker?</b>")


async def test_the_reload_job_tells_the_admins_about_errors(
    staff_app: tuple[App, OfflineRequest, Storage, Path],
) -> None:
    app, request, _, folder = staff_app
    assert await reload_knowledge(app, force=False) is None  # nothing changed: nothing done
    edit(folder, "contacts.yaml", "timezone: Europe/Amsterdam", "timezone: Europe/Amsterdm")
    await reload_knowledge(app, force=False)
    notices = [p for p in request.sent() if p["chat_id"] == ADMIN]
    assert notices and "contacts.yaml, line" in notices[-1]["text"]
    assert "Europe/Amsterdm" in notices[-1]["text"]


async def test_no_reply_in_flight_fails_during_reloads(staff_app: tuple[App, OfflineRequest, Storage, Path]) -> None:
    app, request, _, folder = staff_app
    questions = ["wat doet een jongerenwerker", "school", "hoe vraag ik een paspoort aan", "hoi"] * 10
    path = folder / "faq-ouders.yaml"
    good = path.read_text(encoding="utf-8")
    broken = good.replace("    answer:", "    anwser:", 1)
    errors: list[BaseException] = []

    async def collect(update: object, context: Any) -> None:
        errors.append(context.error)

    app.add_error_handler(collect)

    async def reloads() -> None:
        for round_ in range(6):
            path.write_text(
                broken if round_ % 2 else good.replace("question: ", f"question: V{round_} - ", 1), encoding="utf-8"
            )
            await reload_knowledge(app, force=True)

    before = len(request.sent())
    await asyncio.gather(reloads(), *(app.process_update(text_update(app.bot, q)) for q in questions))
    replies = request.sent()[before:]
    answered = [p for p in replies if p["chat_id"] == ADMIN and not str(p["text"]).startswith("Kennisbank")]
    assert len(answered) >= len(questions)
    assert errors == []


async def test_forget_deletes_every_row_of_the_user(staff_app: tuple[App, OfflineRequest, Storage, Path]) -> None:
    app, request, storage, _ = staff_app
    await app.process_update(text_update(app.bot, "/start ouders"))
    await app.process_update(text_update(app.bot, "school"))
    await app.process_update(callback_update(app.bot, "f|1|politie-protocol"))
    await app.process_update(text_update(app.bot, "paspoort", chat_id=2002))  # someone else (another chat)
    await app.process_update(text_update(app.bot, "/vergeet"))
    assert "Dit kan niet ongedaan worden gemaakt." in texts(request)[-1]
    await app.process_update(callback_update(app.bot, "vy"))
    done = request.sent("editMessageText")[-1]["text"]
    assert done.startswith("Klaar: ik heb alles over jou verwijderd (")
    me = storage.pseudonym(ADMIN)
    with sqlite3.connect(storage.path) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            rows = db.execute(f"SELECT * FROM {table}").fetchall()
            assert not any(me in map(str, row) for row in rows), table


async def test_privacy_says_how_long(staff_app: tuple[App, OfflineRequest, Storage, Path]) -> None:
    app, request, _, _ = staff_app
    await app.process_update(text_update(app.bot, "/privacy"))
    text = texts(request)[-1]
    assert "Alles wordt na 30 dagen automatisch verwijderd." in text and "/vergeet" in text


async def test_handoff_offers_consent_then_forwards(staff_app: tuple[App, OfflineRequest, Storage, Path]) -> None:
    app, request, storage, _ = staff_app
    await app.process_update(text_update(app.bot, "hoe vraag ik een paspoort aan"))
    labels = [b["text"] for row in request.sent()[-1]["reply_markup"]["inline_keyboard"] for b in row]
    assert "Stuur mijn vraag door" in labels
    await app.process_update(callback_update(app.bot, "h"))
    assert "Zet geen namen" in texts(request)[-1]
    await app.process_update(callback_update(app.bot, "hy"))
    to_staff = [p for p in request.sent() if p["chat_id"] == STAFF_CHAT]
    assert to_staff and "hoe vraag ik een paspoort aan" in to_staff[-1]["text"]
    assert texts(request)[-1].startswith("Je vraag is doorgestuurd.")
    assert await storage.open_handoffs() == 1


async def test_forget_is_honest_when_storage_is_unavailable(
    staff_app: tuple[App, OfflineRequest, Storage, Path],
) -> None:
    app, request, _, _ = staff_app
    app.bot_data["storage"] = Storage.disabled()
    await app.process_update(callback_update(app.bot, "vy"))
    assert request.sent("editMessageText")[-1]["text"].startswith("Het lukte nu niet om je gegevens te verwijderen.")


@pytest.mark.parametrize(
    ("chat_id", "chat_type", "admin_ids", "answered"),
    [
        (ADMIN, "private", (ADMIN,), True),  # an admin in a private chat with the bot
        (-5000, "supergroup", (ADMIN,), False),  # an admin in some group: questions must not leak there
        (STAFF_CHAT, "supergroup", (ADMIN,), False),  # the hand-over chat is not the admin chat
        (-6000, "supergroup", (), True),  # the configured admin chat
        (ADMIN, "private", (), False),  # not an admin
    ],
)
async def test_admin_commands_answer_only_in_private_with_an_admin_or_in_the_admin_chat(
    staff_app: tuple[App, OfflineRequest, Storage, Path],
    chat_id: int,
    chat_type: str,
    admin_ids: tuple[int, ...],
    answered: bool,
) -> None:
    app, request, _, _ = staff_app
    config = app.bot_data["config"]
    telegram = dataclasses.replace(config.telegram, admin_ids=admin_ids, admin_chat_id=-6000)
    app.bot_data["config"] = dataclasses.replace(config, telegram=telegram)
    await app.process_update(text_update(app.bot, "hoe vraag ik een paspoort aan"))
    await app.process_update(text_update(app.bot, "/onbeantwoord", chat_id=chat_id, chat_type=chat_type))
    reply = texts(request)[-1]
    assert ("hoe vraag ik een paspoort aan" in reply) is answered
    assert (reply == "Deze opdracht is alleen voor medewerkers van Platform JEP.") is not answered


@pytest.mark.parametrize("job", [False, True], ids=["/herlaad", "reload job"])
async def test_a_deleted_knowledge_file_is_named_in_the_reload_notice(
    staff_app: tuple[App, OfflineRequest, Storage, Path], job: bool
) -> None:
    app, request, _, folder = staff_app
    (folder / "faq-gemeente.yaml").unlink()
    text = await reload_knowledge(app, force=not job)
    assert text is not None
    assert "faq-gemeente.yaml\n=====> Warning: dit bestand is verwijderd sinds de vorige versie" in text
    # Other files pointed at its entries: the new version has errors, and the deleted file is named first.
    assert text.startswith("De gewijzigde kennisbank heeft fouten.")
    assert text.index("faq-gemeente.yaml") < text.index("'related' points to")
    if job:  # nobody asked: the admins are told
        notices = [p for p in request.sent() if p["chat_id"] == ADMIN]
        assert notices and "faq-gemeente.yaml" in notices[-1]["text"]


EXTRA_FAQ = """entries:
  - id: extra-vraag
    question: Is dit een extra testvraag?
    alternates:
      - extra testvraag een
      - extra testvraag twee
      - extra testvraag drie
      - extra testvraag vier
      - extra testvraag vijf
      - extra testvraag zes
    answer: Dit is een extra antwoord voor de test.
    topic: Test
    audience: both
    source: test.txt
"""


async def test_a_deleted_file_nobody_pointed_at_is_named_after_a_good_reload(
    staff_app: tuple[App, OfflineRequest, Storage, Path],
) -> None:
    app, request, _, folder = staff_app
    (folder / "faq-extra.yaml").write_text(EXTRA_FAQ, encoding="utf-8")
    assert await reload_knowledge(app, force=False) == "Kennisbank geladen: 50 vragen uit 14 bestanden."
    (folder / "faq-extra.yaml").unlink()
    text = await reload_knowledge(app, force=False)
    assert text is not None and text.startswith("Kennisbank geladen: 49 vragen uit 13 bestanden.")
    assert "faq-extra.yaml\n=====> Warning: dit bestand is verwijderd sinds de vorige versie" in text
    notices = [p for p in request.sent() if p["chat_id"] == ADMIN]
    assert notices and "faq-extra.yaml" in notices[-1]["text"]

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
    assert texts(request)[-1] == "Kennisbank geladen: 44 vragen uit 13 bestanden."
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

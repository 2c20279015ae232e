"""Telegram handlers: turn an update into a call of the engine, and its reply into a message.

Everything the bot knows and says comes from the engine and `messages.yaml`; this module
only renders replies as HTML with inline keyboards, keeps callback data small (ids, never
text), answers every callback query, and stays quiet in groups unless addressed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import logging
import re
from typing import Any

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from .delivery import MaybeDelivered
from .engine import Engine, utc_now
from .knowledgefiles import vanished
from .reloading import fingerprint, reload_engine
from .replies import Outcome, Reply, Section, render_html
from .storage import Storage

logger = logging.getLogger(__name__)

ENGINE_KEY = "engine"
STORAGE_KEY = "storage"
ADMIN_CHAT_KEY = "admin_chat_id"
CONFIG_KEY = "config"
CLOCK_KEY = "clock"
FINGERPRINT_KEY = "knowledge_fingerprint"
LAST_QUESTION = "last_question"  # chat_data, memory only: the question a hand-over would send
UNANSWERED_SHOWN = 10
STATS_DAYS = 7

COMMANDS = (
    BotCommand("start", "Begin, en wat ik kan"),
    BotCommand("onderwerpen", "Blader door de vragen per onderwerp"),
    BotCommand("contact", "De JEP Advieslijn bellen of mailen"),
    BotCommand("help", "Hoe ik werk"),
    BotCommand("privacy", "Wat ik bewaar en waarom"),
    BotCommand("vergeet", "Verwijder alles wat ik over jou bewaar"),
)
PAGE_SIZE = 6
INLINE_RESULTS = 5
# Deep links t.me/<bot>?start=<payload> that say who is asking.
PARENT_PAYLOADS = frozenset({"ouders", "ouder", "parents"})
PROFESSIONAL_PAYLOADS = frozenset({"professionals", "professional", "jongerenwerk", "school", "gemeente"})
# Callback data: short prefixes and ids, far below Telegram's 64 bytes.
ANSWER, NONE_OF_THESE, FEEDBACK, TOPICS, TOPIC = "a", "n", "f", "T", "t"
HANDOFF, HANDOFF_YES, HANDOFF_NO, FORGET_YES, FORGET_NO = "h", "hy", "hn", "vy", "vn"
SEP = "|"
# Dutch numbers as 0xx - xxx xxxx become +31 xx xxx xxxx, which Telegram apps make tappable.
_PHONE = re.compile(r"\b0(\d{2})\s*-?\s*(\d{3})\s*(\d{4})\b")
NON_TEXT = (
    filters.PHOTO
    | filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """All wiring in one place."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("onderwerpen", topics_command))
    application.add_handler(CommandHandler("contact", contact_command))
    application.add_handler(CommandHandler("privacy", privacy_command))
    application.add_handler(CommandHandler("vergeet", forget_command))
    application.add_handler(CommandHandler("herlaad", reload_command))
    application.add_handler(CommandHandler("stats", stats_command))
    application.add_handler(CommandHandler("onbeantwoord", unanswered_command))
    config = application.bot_data.get(CONFIG_KEY)
    if config is not None and config.telegram.handoff_chat_id is not None:
        # Staff answer a forwarded question by replying to it in the staff chat; this must
        # come before the general text handler, which would take it for a question.
        application.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE
                & filters.Chat(config.telegram.handoff_chat_id)
                & filters.REPLY
                & filters.TEXT,
                staff_reply,
            )
        )
    # New messages only: an edited message is ignored rather than answered twice.
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, text_message))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & NON_TEXT, non_text_message))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_error_handler(error_handler)


# --- helpers -------------------------------------------------------------------------


def engine_of(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    engine: Engine = context.bot_data[ENGINE_KEY]
    return engine


def storage_of(context: ContextTypes.DEFAULT_TYPE) -> Storage | None:
    storage: Storage | None = context.bot_data.get(STORAGE_KEY)
    return storage


def tappable(text: str) -> str:
    return _PHONE.sub(r"+31 \1 \2 \3", text)


def to_html(reply: Reply) -> str:
    return tappable(render_html(reply))


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split at paragraph, then line, then word boundaries; never inside an HTML entity."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or max(window.rfind(" "), 0) or limit
        amp = window.rfind("&", 0, cut)
        if amp != -1 and ";" not in window[amp:cut]:
            cut = amp or limit  # do not split '&amp;'
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return [c for c in chunks if c]


def keyboard(reply: Reply, engine: Engine, handoff: bool = False) -> InlineKeyboardMarkup | None:
    """Buttons for a reply: choices (with 'none of these'), related questions, 👍/👎, hand-over."""
    rows = [[InlineKeyboardButton(c.question, callback_data=f"{ANSWER}{SEP}{c.faq_id}")] for c in reply.choices]
    if handoff and reply.outcome is Outcome.ESCALATE:
        label = engine.knowledge.messages.format("handoff_button")
        rows.append([InlineKeyboardButton(label, callback_data=HANDOFF)])
    if reply.outcome is Outcome.CLARIFY and reply.none_label:
        rows.append([InlineKeyboardButton(reply.none_label, callback_data=NONE_OF_THESE)])
    if reply.outcome is Outcome.ANSWER and reply.faq_id:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=f"{FEEDBACK}{SEP}1{SEP}{reply.faq_id}"),
                InlineKeyboardButton("👎", callback_data=f"{FEEDBACK}{SEP}0{SEP}{reply.faq_id}"),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def handoff_possible(context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A staff chat is configured and this chat has a question to forward."""
    config = context.bot_data.get(CONFIG_KEY)
    return bool(
        config is not None
        and config.telegram.handoff_chat_id is not None
        and context.chat_data is not None
        and context.chat_data.get(LAST_QUESTION)
    )


async def send_reply(
    message: Message, reply: Reply, context: ContextTypes.DEFAULT_TYPE, engine: Engine | None = None
) -> None:
    """Send a reply, split if needed; the buttons go with the last part."""
    engine = engine or engine_of(context)
    reply = engine.remind(message.chat_id, reply)  # shortly after a crisis reply: the emergency line again
    chunks = split_message(to_html(reply))
    markup = keyboard(reply, engine, handoff_possible(context))
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        # Telegram answered too late, but the reply most likely arrived: counted as sent (bot/delivery.py).
        with contextlib.suppress(MaybeDelivered):
            await message.reply_html(chunk, reply_markup=markup if last else None, do_quote=False)


async def record(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply, question: str | None) -> None:
    """Count the reply; the question text only when it held no crisis signal at all."""
    storage = storage_of(context)
    if storage is not None:
        user = update.effective_user
        text = None if reply.sensitive else question
        await storage.record_event(user.id if user else None, str(reply.outcome), reply.faq_id, reply.score, text)


def addressed_in_group(message: Message, bot_username: str, bot_id: int) -> str | None:
    """In a group: the text without the mention if the bot is addressed, else None."""
    text = message.text or ""
    mention = f"@{bot_username}".lower()
    replied_to_bot = bool(
        message.reply_to_message
        and message.reply_to_message.from_user
        and message.reply_to_message.from_user.id == bot_id
    )
    if mention in text.lower():
        return re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE).strip()
    return text if replied_to_bot else None


# --- commands --------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome; deep links (/start ouders, /start professionals, /start <entry id>) tailor it."""
    if update.effective_message is None:
        return
    engine = engine_of(context)
    messages = engine.knowledge.messages
    payload = (context.args[0].lower() if context.args else "").strip()
    parts = [messages.format("welcome")]
    storage = storage_of(context)
    if payload in PARENT_PAYLOADS:
        parts.append(messages.format("welcome_parents"))
        audience = "parents"
    elif payload in PROFESSIONAL_PAYLOADS:
        parts.append(messages.format("welcome_professionals"))
        audience = "professionals"
    else:
        audience = ""
    if audience and storage is not None and update.effective_chat:
        await storage.set_preference(update.effective_chat.id, "audience", audience)
    await update.effective_message.reply_html(tappable(html.escape("\n\n".join(parts), quote=False)))
    if payload and engine.knowledge.get(payload):
        await send_reply(update.effective_message, engine.answer_for(payload), context)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How the bot works and its commands."""
    if update.effective_message:
        text = engine_of(context).knowledge.messages.format("help")
        await update.effective_message.reply_html(tappable(html.escape(text, quote=False)))


async def privacy_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What is stored, why, and for how long."""
    if update.effective_message is None:
        return
    messages = engine_of(context).knowledge.messages
    parts = [messages.format("privacy")]
    config = context.bot_data.get(CONFIG_KEY)
    if config is None or config.storage.store_question_text:
        parts.append(messages.format("privacy_questions"))
    if config is not None and config.storage.retention_days > 0:
        parts.append(messages.format("privacy_retention", dagen=f"{config.storage.retention_days} dagen"))
    await update.effective_message.reply_html(html.escape("\n\n".join(parts), quote=False))


async def contact_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The advice line: phone, e-mail, open or closed now and when it opens next."""
    if update.effective_message:
        engine = engine_of(context)
        intro = Section(engine.knowledge.messages.format("contact_intro"))
        reply = Reply(Outcome.ESCALATE, (intro, engine.contact_card()))
        await send_reply(update.effective_message, reply, context)


async def topics_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The topic menu: topics → questions → answer."""
    if update.effective_message:
        text, markup = topics_page(engine_of(context), 0)
        await update.effective_message.reply_html(text, reply_markup=markup)


def topics_page(engine: Engine, page: int) -> tuple[str, InlineKeyboardMarkup]:
    messages = engine.knowledge.messages
    topics = engine.knowledge.topics
    page = max(0, min(page, (len(topics) - 1) // PAGE_SIZE))
    start_at = page * PAGE_SIZE
    rows = [
        [InlineKeyboardButton(topic, callback_data=f"{TOPIC}{SEP}{index}{SEP}0")]
        for index, topic in enumerate(topics[start_at : start_at + PAGE_SIZE], start=start_at)
    ]
    rows.extend(
        _page_row(messages.format("previous_page"), messages.format("next_page"), TOPICS, "", page, len(topics))
    )
    return html.escape(messages.format("topics_title"), quote=False), InlineKeyboardMarkup(rows)


def topic_page(engine: Engine, index: int, page: int, audience: str | None) -> tuple[str, InlineKeyboardMarkup]:
    messages = engine.knowledge.messages
    topic = engine.knowledge.topics[index]
    entries = [e for e in engine.knowledge.entries if e.topic == topic]
    if audience:  # entries for this audience first; `both` counts for everyone
        entries.sort(key=lambda e: e.audience not in {audience, "both"})
    page = max(0, min(page, (len(entries) - 1) // PAGE_SIZE))
    start_at = page * PAGE_SIZE
    rows = [
        [InlineKeyboardButton(e.question, callback_data=f"{ANSWER}{SEP}{e.id}")]
        for e in entries[start_at : start_at + PAGE_SIZE]
    ]
    rows.extend(
        _page_row(
            messages.format("previous_page"), messages.format("next_page"), TOPIC, f"{index}{SEP}", page, len(entries)
        )
    )
    rows.append([InlineKeyboardButton(messages.format("back"), callback_data=f"{TOPICS}{SEP}0")])
    title = messages.format("topic_title", onderwerp=topic)
    return html.escape(title, quote=False), InlineKeyboardMarkup(rows)


def _page_row(
    previous: str, following: str, kind: str, prefix: str, page: int, total: int
) -> list[list[InlineKeyboardButton]]:
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(previous, callback_data=f"{kind}{SEP}{prefix}{page - 1}"))
    if (page + 1) * PAGE_SIZE < total:
        row.append(InlineKeyboardButton(following, callback_data=f"{kind}{SEP}{prefix}{page + 1}"))
    return [row] if row else []


# --- messages ----------------------------------------------------------------------------


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Free text → engine → reply. In groups only when mentioned or replied to."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text: str | None = message.text
    if message.chat.type != ChatType.PRIVATE:
        text = addressed_in_group(message, context.bot.username, context.bot.id)
        if text is None:
            return
    engine = engine_of(context)  # this reply uses this engine, even if a reload happens meanwhile
    storage = storage_of(context)
    # A /start ouders (or professionals) link tells who writes; it decides between tied entries.
    audience = await storage.get_preference(message.chat_id, "audience") if storage is not None else None
    reply = engine.reply(text or "", chat=message.chat_id, audience=audience)
    if context.chat_data is not None and reply.outcome is not Outcome.CRISIS:
        context.chat_data[LAST_QUESTION] = (text or "")[: engine.settings.max_question_chars]
    await send_reply(message, reply, context, engine)
    await record(update, context, reply, text)


async def non_text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice, files, locations: a friendly 'I read text only'."""
    message = update.effective_message
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        replied = message.reply_to_message
        if not (replied and replied.from_user and replied.from_user.id == context.bot.id):
            return
    text = engine_of(context).knowledge.messages.format("text_only")
    await message.reply_html(html.escape(text, quote=False), do_quote=False)


# --- buttons -------------------------------------------------------------------------------


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every button press; the query is always answered so the client stops spinning."""
    query = update.callback_query
    if query is None:
        return
    engine = engine_of(context)
    parts = (query.data or "").split(SEP)
    kind = parts[0]
    message = query.message if isinstance(query.message, Message) else None
    if kind == FEEDBACK and len(parts) == 3:
        if message is None or not offered(message, query.data or ""):
            await answer_quietly(query)  # forged, or the buttons were already used: not counted
            return
        helpful = parts[1] == "1"
        await answer_quietly(query, engine.knowledge.messages.format("feedback_thanks"))
        storage = storage_of(context)
        if storage is not None:
            await storage.record_feedback(query.from_user.id, parts[2], helpful, (message.chat.id, message.message_id))
        if message is not None:
            await _drop_feedback_buttons(message)
            if not helpful:
                reply = engine.escalation("declined")
                await send_reply(message, reply, context)
                await record(update, context, reply, None)
        return
    await answer_quietly(query)
    if message is None:
        return
    if kind in {HANDOFF, HANDOFF_YES, HANDOFF_NO}:
        await _handoff_button(update, context, message, kind)
        return
    if kind in {FORGET_YES, FORGET_NO}:
        await _forget_button(update, context, message, kind)
        return
    if kind in {TOPICS, TOPIC}:
        await _navigate(update, context, message, parts)
        return
    if kind == ANSWER and len(parts) == 2:
        reply = engine.answer_for(parts[1])  # a gone entry gets a graceful reply
    elif kind == NONE_OF_THESE:
        reply = engine.escalation("declined")
    else:
        reply = engine.answer_for("")  # unknown or outdated button
    await send_reply(message, reply, context)
    await record(update, context, reply, None)


async def _navigate(update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message, parts: list[str]) -> None:
    engine = engine_of(context)
    try:
        numbers = [int(p) for p in parts[1:]]
    except ValueError:
        numbers = []
    if parts[0] == TOPIC and len(numbers) == 2 and 0 <= numbers[0] < len(engine.knowledge.topics):
        audience = None
        storage = storage_of(context)
        if storage is not None and update.effective_chat:
            audience = await storage.get_preference(update.effective_chat.id, "audience")
        text, markup = topic_page(engine, numbers[0], numbers[1], audience)
    else:  # the topic list, also for a topic that no longer exists after an update
        text, markup = topics_page(engine, numbers[0] if numbers else 0)
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as exc:  # e.g. "message is not modified", or too old to edit
        logger.info("Could not edit the menu (%s); sending it anew", exc)
        await message.reply_html(text, reply_markup=markup, do_quote=False)


async def answer_quietly(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a press answered too late (e.g. after a restart) still gets its reply."""
    try:
        await query.answer(text)
    except BadRequest as exc:  # "query is too old and response timeout expired or query id is invalid"
        logger.info("Could not answer a button press: %s", exc)


def offered(message: Message, data: str) -> bool:
    """The message carries a button with exactly this callback data (Telegram sends the message as it is now)."""
    markup = message.reply_markup
    return markup is not None and any(button.callback_data == data for row in markup.inline_keyboard for button in row)


async def _drop_feedback_buttons(message: Message) -> None:
    """Keep the related-question buttons, remove 👍/👎 once used."""
    markup = message.reply_markup
    if markup is None:
        return
    rows = [
        row
        for row in markup.inline_keyboard
        if not any(isinstance(b.callback_data, str) and b.callback_data.startswith(FEEDBACK) for b in row)
    ]
    try:
        await message.edit_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
    except TelegramError as exc:
        logger.info("Could not remove the feedback buttons: %s", exc)


# --- inline mode -----------------------------------------------------------------------------


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot vraag` in any chat: the best-matching answers, ready to share."""
    query = update.inline_query
    if query is None:
        return
    engine = engine_of(context)
    text = query.query.strip()
    results = []
    if text:
        reply = engine.reply(text)
        if reply.outcome is Outcome.CRISIS:
            results.append(_article("crisis", reply.sections[0].text.splitlines()[0], reply))
        seen: set[str] = set()
        settings = engine.settings.matching
        for candidate in engine.match(text).candidates:
            if len(seen) == INLINE_RESULTS or candidate.score < settings.clarify_threshold:
                break
            if candidate.coverage < settings.min_coverage or candidate.entry.id in seen:
                continue
            seen.add(candidate.entry.id)
            answer = engine.answer(candidate.entry, candidate.score)
            results.append(_article(candidate.entry.id, candidate.entry.answer[:100], answer))
    hint = None
    if not results:  # nothing typed yet, or nothing found: a button that opens the bot itself
        hint = InlineQueryResultsButton(engine.knowledge.messages.format("inline_empty"), start_parameter="inline")
    await query.answer(results, cache_time=60 if results else 10, button=hint)


def _article(result_id: str, description: str, reply: Reply) -> InlineQueryResultArticle:
    title = reply.sections[0].title or reply.sections[0].text.splitlines()[0]
    return InlineQueryResultArticle(
        id=result_id[:64],
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(split_message(to_html(reply))[0], parse_mode=ParseMode.HTML),
    )


# --- errors ----------------------------------------------------------------------------------


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with traceback, apologise briefly to the user, optionally tell the admin chat."""
    if isinstance(context.error, MaybeDelivered):  # the reply most likely arrived: no apology after it
        logger.warning("A reply may not have arrived: %s", context.error)
        return
    logger.error("Error while handling an update", exc_info=context.error)
    engine: Engine | None = context.bot_data.get(ENGINE_KEY)
    if isinstance(update, Update) and update.effective_chat is not None and engine is not None:
        try:
            text = engine.knowledge.messages.format("error_apology")
            await context.bot.send_message(
                update.effective_chat.id, tappable(html.escape(text, quote=False)), parse_mode=ParseMode.HTML
            )
        except TelegramError:
            logger.warning("Could not send the apology", exc_info=True)
    admin_chat = context.bot_data.get(ADMIN_CHAT_KEY)
    if admin_chat is not None and context.error is not None:
        notice = f"⚠️ {type(context.error).__name__}: {context.error}"[:500]
        try:
            await context.bot.send_message(admin_chat, html.escape(notice, quote=False), parse_mode=ParseMode.HTML)
        except TelegramError:
            logger.warning("Could not notify the admin chat", exc_info=True)


# --- staff: admins, reload, stats ------------------------------------------------------------


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """An admin in a private chat with the bot, or the configured admin chat: stored questions go nowhere else."""
    config = context.bot_data.get(CONFIG_KEY)
    user = update.effective_user
    chat = update.effective_chat
    if config is None or chat is None:
        return False
    if chat.id == config.telegram.admin_chat_id:
        return True
    return chat.type == ChatType.PRIVATE and user is not None and user.id in config.telegram.admin_ids


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message:
        text = engine_of(context).knowledge.messages.format("admin_only")
        await update.effective_message.reply_html(html.escape(text, quote=False))


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/herlaad (admins): load the knowledge files now and say how it went."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    text = await reload_knowledge(context.application, force=True)
    if update.effective_message and text:
        await update.effective_message.reply_html(html.escape(text, quote=False))


async def reload_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every few seconds: reload when a knowledge file changed; tell the admins about errors."""
    await reload_knowledge(context.application, force=False)


async def reload_knowledge(application: Application[Any, Any, Any, Any, Any, Any], force: bool) -> str | None:
    """Reload if forced or changed; swap the engine atomically or keep the old one on errors."""
    config = application.bot_data[CONFIG_KEY]
    current = fingerprint(config.knowledge_dir)
    if not force and current == application.bot_data.get(FINGERPRINT_KEY):
        return None
    application.bot_data[FINGERPRINT_KEY] = current
    clock = application.bot_data.get(CLOCK_KEY) or utc_now
    old: Engine = application.bot_data[ENGINE_KEY]  # its texts are known to be good
    # Loading and indexing take a moment: off the event loop, so replies keep flowing.
    result = await asyncio.to_thread(reload_engine, config, clock, old.reminders)
    # Files that are gone are named as such, not only through other files' references to them.
    gone = vanished(old.knowledge.files, (name for name, _, _ in current))
    if result.engine is None:
        problems = "\n\n".join(p.format() for p in (*gone, *result.errors))
        text = old.knowledge.messages.format("reload_failed", fouten=problems)
    else:
        application.bot_data[ENGINE_KEY] = result.engine  # one assignment: the swap is atomic
        knowledge = result.engine.knowledge
        text = knowledge.messages.format(
            "reload_ok", vragen=str(len(knowledge.entries)), bestanden=str(len(knowledge.files))
        )
        if not gone:
            return text
        text = "\n\n".join([text, *(p.format() for p in gone)])
    if not force:  # with /herlaad the admin who asked gets the answer directly
        await notify_admins(application, text)
    return text


async def notify_admins(application: Application[Any, Any, Any, Any, Any, Any], text: str) -> None:
    """Send a notice to every admin (private chat) and the admin chat; never fail over it."""
    config = application.bot_data[CONFIG_KEY]
    targets = [*config.telegram.admin_ids]
    if config.telegram.admin_chat_id is not None:
        targets.append(config.telegram.admin_chat_id)
    for chat_id in dict.fromkeys(targets):
        for chunk in split_message(html.escape(text, quote=False)):
            try:
                await application.bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML)
            except TelegramError:
                logger.warning("Could not notify admin chat %s", chat_id, exc_info=True)
                break


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats (admins): what happened in the last week."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    engine = engine_of(context)
    storage = storage_of(context)
    since = utc_now() - dt.timedelta(days=STATS_DAYS)
    counts = await storage.outcome_counts_since(since) if storage else {}
    helpful, unhelpful = await storage.feedback_totals() if storage else (0, 0)
    open_handoffs = await storage.open_handoffs() if storage else 0
    text = engine.knowledge.messages.format(
        "stats",
        dagen=str(STATS_DAYS),
        antwoord=str(counts.get("answer", 0)),
        verduidelijking=str(counts.get("clarify", 0)),
        doorverwezen=str(counts.get("escalate", 0)),
        crisis=str(counts.get("crisis", 0)),
        duim_op=str(helpful),
        duim_neer=str(unhelpful),
        open_doorgestuurd=str(open_handoffs),
        vragen=str(len(engine.knowledge.entries)),
    )
    if update.effective_message:
        await update.effective_message.reply_html(html.escape(text, quote=False))


async def unanswered_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/onbeantwoord (admins): the latest questions the bot could not answer with confidence."""
    if not is_admin(update, context):
        await refuse(update, context)
        return
    messages = engine_of(context).knowledge.messages
    storage = storage_of(context)
    questions = await storage.review_questions(UNANSWERED_SHOWN) if storage else []
    if not questions:
        text = messages.format("unanswered_none")
    else:
        lines = [messages.format("unanswered_title", aantal=str(len(questions)))]
        for q in questions:
            lines.append(f"• {q.created_at:%d-%m %H:%M} ({q.outcome}): {q.question}")
        text = "\n".join(lines)
    if update.effective_message:
        for chunk in split_message(html.escape(text, quote=False)):
            await update.effective_message.reply_html(chunk)


# --- hand-over to staff ------------------------------------------------------------------------


async def _handoff_button(update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message, kind: str) -> None:
    engine = engine_of(context)
    messages = engine.knowledge.messages
    config = context.bot_data[CONFIG_KEY]
    question = (context.chat_data or {}).get(LAST_QUESTION)
    if config.telegram.handoff_chat_id is None or not question:
        await message.reply_html(html.escape(messages.format("handoff_expired"), quote=False), do_quote=False)
        return
    if kind == HANDOFF:
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(messages.format("handoff_yes"), callback_data=HANDOFF_YES),
                    InlineKeyboardButton(messages.format("handoff_no"), callback_data=HANDOFF_NO),
                ]
            ]
        )
        text = f"{messages.format('handoff_consent')}\n\n«{question}»"
        await message.reply_html(html.escape(text, quote=False), reply_markup=buttons, do_quote=False)
        return
    if kind == HANDOFF_NO:
        await message.reply_html(
            tappable(html.escape(messages.format("handoff_cancelled"), quote=False)), do_quote=False
        )
        return
    await _forward_to_staff(update, context, message, question)


async def _forward_to_staff(
    update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message, question: str
) -> None:
    engine = engine_of(context)
    messages = engine.knowledge.messages
    config = context.bot_data[CONFIG_KEY]
    storage = storage_of(context)
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    # Staff refer to a question by when it came in, in Dutch time.
    received = engine.clock().astimezone(engine.knowledge.contacts.office_hours.zone)
    staff_text = messages.format("handoff_to_staff", vraag=question, nummer=f"van {received:%d-%m %H:%M}")
    sent = await context.bot.send_message(
        config.telegram.handoff_chat_id, html.escape(staff_text, quote=False), parse_mode=ParseMode.HTML
    )
    if storage is not None:
        await storage.record_handoff(user.id, chat.id, question, config.telegram.handoff_chat_id, sent.message_id)
    if context.chat_data is not None:
        context.chat_data.pop(LAST_QUESTION, None)
    status = engine.contact_card().text.splitlines()[-1]  # "De lijn is nu open ..." / "... weer bellen ..."
    text = messages.format("handoff_sent", wanneer=status)
    await message.reply_html(tappable(html.escape(text, quote=False)), do_quote=False)


async def staff_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A staff member replied to a forwarded question: deliver the answer to the person who asked."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or message.text is None:
        return
    messages = engine_of(context).knowledge.messages
    storage = storage_of(context)
    handoff = await storage.handoff_for(message.chat.id, message.reply_to_message.message_id) if storage else None
    # Claim it before delivering: of two staff replies at the same moment only one goes out.
    if storage is None or handoff is None or not await storage.mark_handoff_answered(handoff.id):
        await message.reply_html(html.escape(messages.format("handoff_unknown"), quote=False))
        return
    answer = messages.format("handoff_answer", antwoord=message.text)
    for chunk in split_message(tappable(html.escape(answer, quote=False))):
        await context.bot.send_message(handoff.user_chat_id, chunk, parse_mode=ParseMode.HTML)
    await message.reply_html(html.escape(messages.format("handoff_delivered"), quote=False))


# --- /vergeet ---------------------------------------------------------------------------------------


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/vergeet: after a confirm button, delete everything stored about this user."""
    if update.effective_message is None:
        return
    messages = engine_of(context).knowledge.messages
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(messages.format("forget_yes"), callback_data=FORGET_YES),
                InlineKeyboardButton(messages.format("forget_no"), callback_data=FORGET_NO),
            ]
        ]
    )
    await update.effective_message.reply_html(
        html.escape(messages.format("forget_confirm"), quote=False), reply_markup=buttons
    )


async def _forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE, message: Message, kind: str) -> None:
    messages = engine_of(context).knowledge.messages
    if kind == FORGET_NO:
        text = messages.format("forget_cancelled")
    else:
        storage = storage_of(context)
        user = update.effective_user
        chat = update.effective_chat
        if context.chat_data is not None:
            context.chat_data.clear()
        if storage is None or not storage.enabled or user is None:
            text = messages.format("forget_failed")  # honest: nothing could be deleted right now
        else:
            deleted = await storage.forget(user.id, chat.id if chat else None)
            text = messages.format("forget_done", aantal=str(deleted))
    try:
        await message.edit_text(html.escape(text, quote=False), parse_mode=ParseMode.HTML)
    except TelegramError:
        await message.reply_html(html.escape(text, quote=False), do_quote=False)


async def purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily: delete records older than the retention period."""
    storage = storage_of(context)
    if storage is not None:
        removed = await storage.purge_expired()
        logger.info("Retention: removed %d old records", removed)

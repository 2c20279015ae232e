"""The Telegram application: built in one place, run by polling or webhook.

`build_application(config, knowledge)` is to this bot what flaskr's `create_app` is to a
Flask app: tests pass their own request class (no internet) or storage.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from . import handlers
from .config import WEBHOOK_SECRET_ENV, Config, secrets_of, telegram_token, webhook_secret
from .delivery import DeliveryLimiter, DeliverySettings
from .engine import Clock, utc_now
from .fairness import FairUpdateProcessor
from .inbox import Inbox, InboxQueue
from .knowledge import Knowledge
from .logsafety import protect
from .reloading import fingerprint
from .startup import build_engine
from .storage import Storage

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
CONFIG_KEY = handlers.CONFIG_KEY
INBOX_KEY = "inbox"
PURGE_EVERY = dt.timedelta(days=1)
# Connections to the Bot API: one per update being handled, plus room for jobs and error notices.
SPARE_CONNECTIONS = 2
# How long a request may wait for a free connection before PTB gives up (PTB's default is 1 s).
POOL_TIMEOUT_SECONDS = 5.0


def build_application(
    config: Config,
    knowledge: Knowledge,
    *,
    storage: Storage | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    clock: Clock = utc_now,
    token: str | None = None,
) -> AnyApplication:
    """The bot, wired and ready to initialise; storage opens in post_init unless given."""
    tg = config.telegram
    inbox = Inbox()
    staff_chats = [chat for chat in (tg.admin_chat_id, tg.handoff_chat_id) if chat is not None]
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(token or telegram_token(config))
        # Network errors, 5xx and timeouts are retried; "retry after" waits for that chat only.
        .rate_limiter(DeliveryLimiter(DeliverySettings.from_config(config)))
        # Several chats at once, each chat's updates in order, and a cap per chat: against real
        # Telegram every reply waits on the network, and one person must not hold up the others.
        .concurrent_updates(
            FairUpdateProcessor(tg.concurrent_updates, tg.max_queued_per_chat, exempt=staff_chats, hooks=inbox)
        )
        # Every update is on disk before Telegram is told it arrived (bot/inbox.py).
        .update_queue(InboxQueue(inbox))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if config.telegram.base_url:
        builder = builder.base_url(config.telegram.base_url)
    if request is not None:
        builder = builder.request(request)
    else:
        # PTB's default pool of 256 lets idle connections pile up under load, and httpx checks
        # every pooled connection on each request; each handler holds one at a time, so this is enough.
        builder = builder.connection_pool_size(config.telegram.concurrent_updates + SPARE_CONNECTIONS).pool_timeout(
            POOL_TIMEOUT_SECONDS
        )
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    application.bot_data[handlers.ENGINE_KEY] = build_engine(config, knowledge, clock)
    application.bot_data[CONFIG_KEY] = config
    application.bot_data[handlers.CLOCK_KEY] = clock
    application.bot_data[handlers.FINGERPRINT_KEY] = fingerprint(config.knowledge_dir)
    application.bot_data[handlers.ADMIN_CHAT_KEY] = config.telegram.admin_chat_id
    application.bot_data[INBOX_KEY] = inbox
    if storage is not None:
        application.bot_data[handlers.STORAGE_KEY] = storage
    handlers.register(application)
    return application


async def _post_init(application: AnyApplication) -> None:
    """Open storage, answer what a crash left unanswered, register the command menu; none may stop the bot."""
    config: Config = application.bot_data[CONFIG_KEY]
    if handlers.STORAGE_KEY not in application.bot_data:
        application.bot_data[handlers.STORAGE_KEY] = await Storage.open(
            config.storage, question_chars=config.max_question_chars
        )
    inbox: Inbox = application.bot_data[INBOX_KEY]
    inbox.attach(application, application.bot_data[handlers.STORAGE_KEY])
    if isinstance(application.update_queue, InboxQueue):
        await inbox.replay(application.update_queue)
    try:
        await application.bot.set_my_commands(list(handlers.COMMANDS))
    except TelegramError:
        logger.warning("Could not register the command menu", exc_info=True)
    jobs = application.job_queue
    if jobs is not None:
        if config.telegram.reload_seconds > 0:
            jobs.run_repeating(handlers.reload_job, interval=config.telegram.reload_seconds, name="reload")
        if config.storage.retention_days > 0:
            jobs.run_repeating(handlers.purge_job, interval=PURGE_EVERY, first=60, name="retention")


async def _post_shutdown(application: AnyApplication) -> None:
    """Close storage last, so every reply sent is also recorded."""
    storage: Storage | None = application.bot_data.get(handlers.STORAGE_KEY)
    if storage is not None:
        await storage.close()


def run(config: Config, knowledge: Knowledge) -> None:
    """Run until Ctrl-C (or SIGTERM); PTB keeps polling through network errors."""
    protect(secrets_of(config))
    tg = config.telegram
    if tg.mode == "webhook" and not webhook_secret(config):
        # `check` refuses this config too; this is the last line of defence.
        raise SystemExit(
            f"De webhook start niet zonder geheim token: zet {WEBHOOK_SECRET_ENV} of telegram.webhook.secret_token."
        )
    application = build_application(config, knowledge)
    if tg.mode == "webhook":
        hook = tg.webhook
        logger.info("Starting the webhook on %s:%d/%s", hook.listen, hook.port, hook.url_path)
        application.run_webhook(
            listen=hook.listen,
            port=hook.port,
            url_path=hook.url_path,
            webhook_url=hook.public_url,
            secret_token=webhook_secret(config),
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=-1,
        )
    else:
        logger.info("Starting to poll Telegram for updates")
        # bootstrap_retries=-1: keep trying when the network is down at start-up too.
        application.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1)

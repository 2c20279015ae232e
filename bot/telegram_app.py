"""The Telegram application: built in one place, run by polling or webhook.

`build_application(config, knowledge)` is to this bot what flaskr's `create_app` is to a
Flask app: tests pass their own request class (no internet) or storage.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder
from telegram.request import BaseRequest

from . import handlers
from .config import WEBHOOK_SECRET_ENV, Config, telegram_token
from .engine import Clock, utc_now
from .knowledge import Knowledge
from .reloading import fingerprint
from .startup import build_engine
from .storage import Storage

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
CONFIG_KEY = handlers.CONFIG_KEY
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
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(token or telegram_token(config))
        # Flood limits and RetryAfter: PTB waits and retries instead of failing the reply.
        .rate_limiter(
            AIORateLimiter(overall_max_rate=config.telegram.overall_max_rate, max_retries=config.telegram.max_retries)
        )
        # Several chats at once: against real Telegram every reply waits on the network, and
        # one person's slow answer must not hold up the others.
        .concurrent_updates(config.telegram.concurrent_updates)
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
    if storage is not None:
        application.bot_data[handlers.STORAGE_KEY] = storage
    handlers.register(application)
    return application


async def _post_init(application: AnyApplication) -> None:
    """Open storage and register the command menu; neither may stop the bot from starting."""
    config: Config = application.bot_data[CONFIG_KEY]
    if handlers.STORAGE_KEY not in application.bot_data:
        application.bot_data[handlers.STORAGE_KEY] = await Storage.open(config.storage)
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
    application = build_application(config, knowledge)
    tg = config.telegram
    if tg.mode == "webhook":
        hook = tg.webhook
        logger.info("Starting the webhook on %s:%d/%s", hook.listen, hook.port, hook.url_path)
        application.run_webhook(
            listen=hook.listen,
            port=hook.port,
            url_path=hook.url_path,
            webhook_url=hook.public_url,
            secret_token=os.environ.get(WEBHOOK_SECRET_ENV) or hook.secret_token or None,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=-1,
        )
    else:
        logger.info("Starting to poll Telegram for updates")
        # bootstrap_retries=-1: keep trying when the network is down at start-up too.
        application.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1)

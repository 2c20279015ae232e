"""Logging that never shows a secret: quiet HTTP loggers and a redacting filter.

httpx logs every request URL at INFO, and a Bot API URL holds the bot token
(`https://api.telegram.org/bot<token>/sendMessage`). The HTTP client loggers are set to
WARNING whatever the bot's own log level, and every handler on the root logger gets a
`RedactingFilter` as a safety net: it replaces the token, the webhook secret and the
pseudonym key (and anything shaped like a bot token) in the message, its arguments and
the traceback before any handler writes the line.

This module is part of the core: it must not import telegram.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

logger = logging.getLogger(__name__)

# Loggers that write request URLs (with the token) or scheduler chatter at INFO or DEBUG.
QUIET_LOGGERS = ("httpx", "httpcore", "hpack", "apscheduler", "tornado.access")
HIDDEN = "[verborgen]"
# A Telegram bot token: the bot id, a colon, and 35 characters of base64url.
TOKEN_SHAPE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
# Secrets shorter than this are not looked for as plain text (they would match ordinary words).
MIN_SECRET_CHARS = 6


class RedactingFilter(logging.Filter):
    """Replace secrets in a record's message, arguments and traceback; never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Also hide these values (empty and very short ones are ignored)."""
        found = {s for s in (str(x).strip() for x in secrets) if len(s) >= MIN_SECRET_CHARS}
        # Longest first, so a secret that contains another is hidden whole.
        self._secrets = tuple(sorted(found | set(self._secrets), key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, HIDDEN)
        return TOKEN_SHAPE.sub(HIDDEN, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed %-format: keep what there is
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def quiet_http_loggers() -> None:
    """HTTP client and scheduler loggers at WARNING, whatever the bot's own level."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def protect(secrets: Iterable[str] = (), root: logging.Logger | None = None) -> RedactingFilter:
    """Quiet the HTTP loggers and put one redacting filter on every handler of the root logger.

    Safe to call again (e.g. once the token is known): the existing filter learns the new secrets.
    """
    quiet_http_loggers()
    root = root or logging.getLogger()
    existing = next(
        (f for h in root.handlers for f in h.filters if isinstance(f, RedactingFilter)),
        None,
    )
    redacting = existing or RedactingFilter()
    redacting.add(secrets)
    for handler in root.handlers:
        if redacting not in handler.filters:
            handler.addFilter(redacting)
    return redacting

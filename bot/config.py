"""The configuration file: where the knowledge lives and how the matcher decides.

`load_config` checks every key (unknown, wrong type, out of range) and reports all
problems at once, in the same format as the knowledge check. Relative paths are taken
from the folder the config file is in.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .knowledge import display_path
from .matching import MatchSettings
from .problems import Problem, error, warning
from .schema import Field, check_mapping
from .text import TypoSettings
from .yamlsource import YamlDoc, read_yaml

logger = logging.getLogger(__name__)

CONFIG_ENV = "JEPBOT_CONFIG"
DEFAULT_FILES = ("config.yaml", "config.example.yaml")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

TOP_FIELDS = (
    Field("knowledge_dir", "text", required=False, example="knowledge"),
    Field("log_level", "text", required=False, example="INFO"),
    Field("max_question_chars", "integer", required=False, example="1000"),
    Field("crisis_reminder_minutes", "integer", required=False, example="30"),
    Field("matching", "mapping", required=False),
    Field("telegram", "mapping", required=False),
    Field("storage", "mapping", required=False),
)
TELEGRAM_FIELDS = (
    Field("token", "text", required=False, example='"123456:ABC..."'),
    Field("base_url", "text", required=False, example="http://localhost:8081/bot"),
    Field("mode", "text", required=False, example="polling"),
    Field("webhook", "mapping", required=False),
    Field("admin_chat_id", "integer", required=False, example="-1001234567890"),
    Field("concurrent_updates", "integer", required=False, example="8"),
    Field("overall_max_rate", "integer", required=False, example="30"),
    Field("max_retries", "integer", required=False, example="3"),
    Field("admin_ids", "list", required=False, example="[12345678, 87654321]"),
    Field("handoff_chat_id", "integer", required=False, example="-1001234567890"),
    Field("reload_seconds", "integer", required=False, example="10"),
    Field("retry_seconds", "number", required=False, example="60"),
    Field("retry_first_delay", "number", required=False, example="0.5"),
    Field("retry_max_delay", "number", required=False, example="8"),
    Field("max_queued_per_chat", "integer", required=False, example="5"),
)
WEBHOOK_FIELDS = (
    Field("listen", "text", required=False, example="127.0.0.1"),
    Field("port", "integer", required=False, example="8443"),
    Field("url_path", "text", required=False, example="telegram"),
    Field("public_url", "text", required=False, example="https://bot.example.org/telegram"),
    Field("secret_token", "text", required=False, example='"a-long-random-string"'),
)
STORAGE_FIELDS = (
    Field("path", "text", required=False, example="data/bot.sqlite3"),
    Field("pseudonym_key", "text", required=False, example='"a-long-random-string"'),
    Field("retention_days", "integer", required=False, example="180"),
    Field("store_question_text", "boolean", required=False, example="true"),
    Field("write_delay_seconds", "number", required=False, example="1"),
)
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
PSEUDONYM_KEY_ENV = "JEPBOT_PSEUDONYM_KEY"
MODES = ("polling", "webhook")
# Telegram's rule for a webhook secret token: 1-256 of A-Z, a-z, 0-9, _ and -.
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MIN_SECRET_CHARS = 16
LOOPBACK = ("127.0.0.1", "::1", "localhost")
# Timings of sending (telegram.retry_*) and the per-chat cap: name → (lowest, highest), in seconds or messages.
DELIVERY_RANGES: dict[str, tuple[float, float]] = {
    "retry_seconds": (0, 3600),
    "retry_first_delay": (0.001, 60),
    "retry_max_delay": (0.001, 600),
    "max_queued_per_chat": (1, 1000),
}
MAX_WRITE_DELAY_SECONDS = 60
MAX_REMINDER_MINUTES = 24 * 60
# name → (kind, lowest, highest); every one is optional and defaults to MatchSettings.
MATCHING_RANGES: dict[str, tuple[str, float, float]] = {
    "answer_threshold": ("number", 0, 100),
    "clarify_threshold": ("number", 0, 100),
    "ambiguity_margin": ("number", 0, 100),
    "max_choices": ("integer", 1, 8),
    "candidate_limit": ("integer", 1, 10_000),
    "fuzzy_weight": ("number", 0, 10),
    "coverage_weight": ("number", 0, 10),
    "precision_weight": ("number", 0, 10),
    "fuzzy_set_share": ("number", 0, 1),
    "phrasing_coverage_share": ("number", 0, 1),
    "answer_text_credit": ("number", 0, 1),
    "unknown_word_weight": ("number", 0, 5),
    "min_evidence": ("number", 0, 100),
    "min_coverage": ("number", 0, 1),
    "out_of_scope_min_coverage": ("number", 0, 1),
    "focus_from_words": ("integer", 1, 10_000),
    "story_weight": ("number", 0, 1),
    "audience_margin": ("number", 0, 100),
    "typo_min_length": ("integer", 1, 50),
    "typo_max_distance_short": ("integer", 0, 5),
    "typo_long_from": ("integer", 1, 50),
    "typo_max_distance_long": ("integer", 0, 5),
}
MATCHING_FIELDS = tuple(Field(name, kind, required=False) for name, (kind, _, _) in MATCHING_RANGES.items())


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    listen: str = "127.0.0.1"  # behind a reverse proxy on the same machine (README)
    port: int = 8443
    url_path: str = "telegram"
    public_url: str = ""
    secret_token: str = ""


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """How to reach Telegram. The token from $TELEGRAM_BOT_TOKEN wins over the file."""

    token: str = ""
    base_url: str = ""
    mode: str = "polling"
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    admin_chat_id: int | None = None
    concurrent_updates: int = 8  # updates handled at once; 1 = strictly one after the other
    overall_max_rate: int = 30  # messages per second to all chats together (Telegram's limit); 0 = no cap
    max_retries: int = 3  # times a message is retried after Telegram says "retry after"
    admin_ids: tuple[int, ...] = ()  # Telegram user ids allowed to use /herlaad, /stats, /onbeantwoord
    handoff_chat_id: int | None = None  # staff chat that receives forwarded questions
    reload_seconds: int = 10  # how often the knowledge files are checked for changes; 0 = never
    retry_seconds: float = 60.0  # how long a request is retried after network errors, timeouts and 5xx; 0 = never
    retry_first_delay: float = 0.5  # the first wait before a retry; it doubles (with jitter) per try
    retry_max_delay: float = 8.0  # the longest wait between two tries
    max_queued_per_chat: int = 5  # messages of one chat waiting at once; beyond it: one "even rustig aan"


@dataclass(frozen=True, slots=True)
class StorageConfig:
    path: Path = Path("data/bot.sqlite3")
    pseudonym_key: str = ""  # $JEPBOT_PSEUDONYM_KEY wins; empty: a random key kept next to the database
    retention_days: int = 180  # records older than this are deleted daily; 0 = keep forever
    store_question_text: bool = True  # False: escalated/clarified questions are counted, their text not kept
    write_delay_seconds: float = 1.0  # events and feedback are written together at most this late; 0 = each at once


@dataclass(frozen=True, slots=True)
class Config:
    knowledge_dir: Path = Path("knowledge")
    log_level: str = "INFO"
    max_question_chars: int = 1000
    crisis_reminder_minutes: int = 30  # after a crisis reply, every reply in that chat ends with a reminder this long
    matching: MatchSettings = field(default_factory=MatchSettings)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    source: str = "(built-in defaults)"


def find_config(explicit: str | None) -> Path | None:
    """The config file to use: --config, then $JEPBOT_CONFIG, then config.yaml, then the example."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    for name in DEFAULT_FILES:
        if Path(name).exists():
            return Path(name)
    return None


def load_config(path: Path | None) -> tuple[Config | None, list[Problem]]:
    """Read and check a config file; None (and the problems) when it has errors."""
    if path is None:
        return Config(), []
    name = display_path(path)
    if not path.exists():
        return None, [
            error(
                name,
                None,
                "the config file does not exist.",
                "Check the path, or copy config.example.yaml to config.yaml.",
            )
        ]
    doc, problems = read_yaml(path, name)
    if doc is None:
        return None, problems
    if doc.data is None:
        doc.data = {}
    values = check_mapping(doc, (), TOP_FIELDS, None, problems, what="the config file")
    base = path.resolve().parent
    level = values.get("log_level", "INFO").upper()
    if level not in LOG_LEVELS:
        problems.append(
            error(
                name,
                doc.line(("log_level",)),
                f"'{values['log_level']}' is not a log level.",
                f"Use one of: {', '.join(LOG_LEVELS)}.",
                "key 'log_level'",
            )
        )
    max_chars = values.get("max_question_chars", 1000)
    if max_chars < 50:
        problems.append(
            error(
                name,
                doc.line(("max_question_chars",)),
                "max_question_chars must be at least 50.",
                "Use a value like 1000.",
                "key 'max_question_chars'",
            )
        )
    reminder = values.get("crisis_reminder_minutes", 30)
    if not 0 <= reminder <= MAX_REMINDER_MINUTES:
        problems.append(
            error(
                name,
                doc.line(("crisis_reminder_minutes",)),
                f"'crisis_reminder_minutes' is {reminder}, outside the range 0-{MAX_REMINDER_MINUTES}.",
                "Use a number of minutes, e.g. 30; 0 turns the reminder off.",
                "key 'crisis_reminder_minutes'",
            )
        )
    matching = _matching(doc, values, problems)
    telegram = _telegram(doc, values, problems)
    storage = _storage(doc, values, base, problems)
    if any(p.is_error for p in problems) or matching is None:
        return None, problems
    return (
        Config(
            knowledge_dir=base / values.get("knowledge_dir", "knowledge"),
            log_level=level,
            max_question_chars=max_chars,
            crisis_reminder_minutes=reminder,
            matching=matching,
            telegram=telegram,
            storage=storage,
            source=name,
        ),
        problems,
    )


def _telegram(doc: YamlDoc, top: dict[str, Any], problems: list[Problem]) -> TelegramConfig:
    if "telegram" not in top:
        return TelegramConfig()
    values = check_mapping(doc, ("telegram",), TELEGRAM_FIELDS, "telegram", problems, what="telegram")
    mode = values.get("mode", "polling")
    if mode not in MODES:
        problems.append(
            error(
                doc.file,
                doc.line(("telegram", "mode")),
                f"'{mode}' is not a mode.",
                "Use polling (the default) or webhook.",
                "telegram → mode",
            )
        )
    hook: dict[str, Any] = {}
    if "webhook" in values:
        hook = check_mapping(
            doc, ("telegram", "webhook"), WEBHOOK_FIELDS, "telegram → webhook", problems, what="webhook"
        )
        port = hook.get("port", 8443)
        if not 1 <= port <= 65535:
            problems.append(
                error(
                    doc.file,
                    doc.line(("telegram", "webhook", "port")),
                    f"port {port} is not a valid port.",
                    "Use a number from 1 to 65535, e.g. 8443.",
                    "telegram → webhook → port",
                )
            )
    if mode == "webhook" and not hook.get("public_url"):
        problems.append(
            error(
                doc.file,
                doc.line(("telegram", "mode")),
                "webhook mode needs webhook.public_url.",
                "Add the https address Telegram should call, or use mode: polling.",
                "telegram → mode",
            )
        )
    admin_ids = values.get("admin_ids", [])
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in admin_ids):
        problems.append(
            error(
                doc.file,
                doc.line(("telegram", "admin_ids")),
                "admin_ids should be a list of Telegram user ids (numbers).",
                "Write them as admin_ids: [12345678, 87654321]; a person can find their id with @userinfobot.",
                "telegram → admin_ids",
            )
        )
        admin_ids = []
    for key, low, high in (
        ("concurrent_updates", 1, 256),
        ("overall_max_rate", 0, 1000),
        ("max_retries", 0, 10),
        ("reload_seconds", 0, 3600),
    ):
        if key in values and not low <= values[key] <= high:
            problems.append(
                error(
                    doc.file,
                    doc.line(("telegram", key)),
                    f"'{key}' is {values[key]}, outside the range {low}-{high}.",
                    f"Use a value from {low} to {high}.",
                    f"telegram → {key}",
                )
            )
    _webhook_safety(doc, mode, hook, problems)
    delivery = _delivery(doc, values, problems)
    defaults = TelegramConfig()
    return TelegramConfig(
        retry_seconds=float(delivery.get("retry_seconds", defaults.retry_seconds)),
        retry_first_delay=float(delivery.get("retry_first_delay", defaults.retry_first_delay)),
        retry_max_delay=float(delivery.get("retry_max_delay", defaults.retry_max_delay)),
        max_queued_per_chat=int(delivery.get("max_queued_per_chat", defaults.max_queued_per_chat)),
        concurrent_updates=values.get("concurrent_updates", defaults.concurrent_updates),
        overall_max_rate=values.get("overall_max_rate", defaults.overall_max_rate),
        max_retries=values.get("max_retries", defaults.max_retries),
        admin_ids=tuple(admin_ids),
        handoff_chat_id=values.get("handoff_chat_id"),
        reload_seconds=values.get("reload_seconds", defaults.reload_seconds),
        token=values.get("token", "").strip(),
        base_url=values.get("base_url", "").strip(),
        mode=mode,
        webhook=WebhookConfig(**hook),
        admin_chat_id=values.get("admin_chat_id"),
    )


def _delivery(doc: YamlDoc, values: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """The retry timings and the per-chat cap that are within their range (Dutch messages)."""
    good: dict[str, Any] = {}
    for key, (low, high) in DELIVERY_RANGES.items():
        if key not in values:
            continue
        if low <= values[key] <= high:
            good[key] = values[key]
            continue
        problems.append(
            error(
                doc.file,
                doc.line(("telegram", key)),
                f"'{key}' is {values[key]:g}, buiten het bereik {low:g}-{high:g}.",
                f"Kies een waarde van {low:g} tot en met {high:g}.",
                f"telegram → {key}",
            )
        )
    first = good.get("retry_first_delay", TelegramConfig().retry_first_delay)
    longest = good.get("retry_max_delay", TelegramConfig().retry_max_delay)
    if longest < first:
        problems.append(
            error(
                doc.file,
                doc.line(("telegram", "retry_max_delay")),
                f"retry_max_delay ({longest:g}) is korter dan retry_first_delay ({first:g}).",
                "Maak retry_max_delay minstens even groot als retry_first_delay.",
                "telegram → retry_max_delay",
            )
        )
    return good


def _webhook_safety(doc: YamlDoc, mode: str, hook: dict[str, Any], problems: list[Problem]) -> None:
    """Webhook mode needs a secret token and an https address; listening on all addresses is warned about."""
    if mode != "webhook":
        return
    where = ("telegram", "webhook")
    secret = os.environ.get(WEBHOOK_SECRET_ENV, "").strip() or str(hook.get("secret_token", "")).strip()
    if not secret:
        problems.append(
            error(
                doc.file,
                doc.line((*where, "secret_token")),
                "de webhook heeft geen geheim token, dus iedereen die het adres kent kan nepberichten sturen.",
                "Zet een lange willekeurige tekst in de omgevingsvariabele "
                f"{WEBHOOK_SECRET_ENV} (of bij webhook → secret_token), bijvoorbeeld de uitvoer van: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'.",
                "telegram → webhook → secret_token",
            )
        )
    elif not SECRET_TOKEN.match(secret) or len(secret) < MIN_SECRET_CHARS:
        problems.append(
            error(
                doc.file,
                doc.line((*where, "secret_token")),
                f"het geheime token van de webhook moet {MIN_SECRET_CHARS} tot 256 tekens lang zijn en mag "
                "alleen letters, cijfers, _ en - bevatten.",
                "Maak een nieuw token met: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'.",
                "telegram → webhook → secret_token",
            )
        )
    public_url = str(hook.get("public_url", ""))
    if public_url and not public_url.startswith("https://"):
        problems.append(
            error(
                doc.file,
                doc.line((*where, "public_url")),
                "Telegram roept een webhook alleen aan via https.",
                "Gebruik een adres dat met https:// begint (de reverse proxy regelt het certificaat).",
                "telegram → webhook → public_url",
            )
        )
    listen = str(hook.get("listen", WebhookConfig().listen))
    if listen not in LOOPBACK:
        problems.append(
            warning(
                doc.file,
                doc.line((*where, "listen")),
                f"de webhook luistert op {listen}, dus ook voor andere computers, zonder https ervoor.",
                "Gebruik listen: 127.0.0.1 en zet een reverse proxy (bijvoorbeeld nginx) met https "
                "ervoor, zoals de README laat zien.",
                "telegram → webhook → listen",
            )
        )


def _storage(doc: YamlDoc, top: dict[str, Any], base: Path, problems: list[Problem]) -> StorageConfig:
    if "storage" not in top:
        return StorageConfig(path=base / StorageConfig().path)
    values = check_mapping(doc, ("storage",), STORAGE_FIELDS, "storage", problems, what="storage")
    retention = values.get("retention_days", StorageConfig().retention_days)
    if retention < 0:
        problems.append(
            error(
                doc.file,
                doc.line(("storage", "retention_days")),
                "retention_days cannot be negative.",
                "Use a number of days, e.g. 180, or 0 to keep records forever.",
                "storage → retention_days",
            )
        )
    delay = values.get("write_delay_seconds", StorageConfig().write_delay_seconds)
    if not 0 <= delay <= MAX_WRITE_DELAY_SECONDS:
        problems.append(
            error(
                doc.file,
                doc.line(("storage", "write_delay_seconds")),
                f"'write_delay_seconds' is {delay}, outside the range 0-{MAX_WRITE_DELAY_SECONDS}.",
                f"Use a number of seconds from 0 to {MAX_WRITE_DELAY_SECONDS}, e.g. 1; 0 writes every record at once.",
                "storage → write_delay_seconds",
            )
        )
        delay = StorageConfig().write_delay_seconds
    path = base / values.get("path", str(StorageConfig().path))
    if path.is_dir():
        problems.append(
            error(
                doc.file,
                doc.line(("storage", "path")),
                f"storage → path wijst naar de map {display_path(path)}, niet naar een databasebestand.",
                "Geef de naam van een bestand in die map op, bijvoorbeeld data/bot.sqlite3.",
                "storage → path",
            )
        )
    elif path.parent.exists() and not path.parent.is_dir():
        problems.append(
            error(
                doc.file,
                doc.line(("storage", "path")),
                f"{display_path(path.parent)} is een bestand, dus de database kan er niet in.",
                "Kies een map die nog niet bestaat of een echte map, bijvoorbeeld data/bot.sqlite3.",
                "storage → path",
            )
        )
    return StorageConfig(
        path=path,
        pseudonym_key=values.get("pseudonym_key", ""),
        retention_days=retention,
        store_question_text=values.get("store_question_text", True),
        write_delay_seconds=float(delay),
    )


def webhook_secret(config: Config) -> str:
    """The webhook secret token: $TELEGRAM_WEBHOOK_SECRET first, then the config."""
    return os.environ.get(WEBHOOK_SECRET_ENV, "").strip() or config.telegram.webhook.secret_token.strip()


def secrets_of(config: Config) -> tuple[str, ...]:
    """Every secret the bot knows, for the log filter: token, webhook secret, pseudonym key."""
    key = os.environ.get(PSEUDONYM_KEY_ENV, "").strip() or config.storage.pseudonym_key.strip()
    return tuple(s for s in (telegram_token(config), webhook_secret(config), key) if s)


def telegram_token(config: Config) -> str:
    """The bot token: $TELEGRAM_BOT_TOKEN first, then telegram.token in the config."""
    return os.environ.get(TOKEN_ENV, "").strip() or config.telegram.token


def _matching(doc: YamlDoc, top: dict[str, Any], problems: list[Problem]) -> MatchSettings | None:
    if "matching" not in top:
        return MatchSettings()
    values = check_mapping(doc, ("matching",), MATCHING_FIELDS, "matching", problems, what="matching")
    ok = True
    for key, value in values.items():
        _kind, low, high = MATCHING_RANGES[key]
        if not low <= value <= high:
            problems.append(
                error(
                    doc.file,
                    doc.line(("matching", key)),
                    f"'{key}' is {value}, outside the range {low}-{high}.",
                    f"Use a value from {low} to {high}.",
                    f"matching → {key}",
                )
            )
            ok = False
    defaults = MatchSettings()
    answer = values.get("answer_threshold", defaults.answer_threshold)
    clarify = values.get("clarify_threshold", defaults.clarify_threshold)
    if ok and clarify > answer:
        problems.append(
            error(
                doc.file,
                doc.line(("matching", "clarify_threshold")),
                f"clarify_threshold ({clarify:g}) is higher than answer_threshold ({answer:g}).",
                "The clarify threshold is the lower edge of the band below answering; make it lower.",
                "matching → clarify_threshold",
            )
        )
        ok = False
    weights = [values.get(k, getattr(defaults, k)) for k in ("fuzzy_weight", "coverage_weight", "precision_weight")]
    if ok and sum(weights) <= 0:
        problems.append(
            error(
                doc.file,
                doc.line(("matching",)),
                "fuzzy_weight, coverage_weight and precision_weight are all 0.",
                "Give at least one of them a value above 0.",
                "matching",
            )
        )
        ok = False
    if not ok:
        return None
    typo_keys = {
        "typo_min_length": "min_length",
        "typo_max_distance_short": "max_distance_short",
        "typo_long_from": "long_from",
        "typo_max_distance_long": "max_distance_long",
    }
    typos = TypoSettings(**{typo_keys[k]: v for k, v in values.items() if k in typo_keys})
    plain = {k: v for k, v in values.items() if k not in typo_keys}
    return MatchSettings(**plain, typos=typos)

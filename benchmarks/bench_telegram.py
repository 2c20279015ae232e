"""Measure the whole Telegram bot against a bare PTB echo bot on a fake Bot API (a tool, not a test).

What it measures: updates per second and reply latency (p50, p95) of four configurations, all
polling the same kind of fake Telegram Bot API (tests/fake_bot_api.py, on 127.0.0.1 only), in two
scenarios (zero latency and with network latency, below):

1. ECHO, PTB DEFAULTS - the baseline of the target ("a bare PTB echo bot"): a plain
   python-telegram-bot Application with one `MessageHandler(filters.TEXT, reply_text(text))`,
   PTB's defaults: no rate limiter, `concurrent_updates` 1 (one update at a time).
2. ECHO, SAME CONCURRENCY - the same echo bot with `.concurrent_updates(N)`, N being the full bot's
   `TelegramConfig.concurrent_updates` (8): what concurrency alone gives, for reference.
3. FULL BOT, CAP LIFTED - the bot as deployed, built by `bot.telegram_app.build_application` from
   `TelegramConfig(token=..., base_url=<fake server>, overall_max_rate=0)`: its handlers, the Engine
   over the real knowledge base, a real SQLite `Storage` in a temporary folder, concurrent_updates 8
   and the DeliveryLimiter (max_retries 3, so 429 / RetryAfter are still handled) - but without the
   overall cap of 30 messages per second. That cap is Telegram's own broadcast flood limit: the fake
   server has no flood limits, so with the cap the benchmark would only measure the cap (about
   30 updates/s whatever the bot costs). With it lifted, the bot's own cost is what is compared.
4. FULL BOT, PRODUCTION CONFIG - the same with `overall_max_rate=30` (the default), capped at
   Telegram's 30 msg/s flood limit; run for --capped-rounds rounds (default 1) after the others,
   shown for completeness and not part of any ratio.

The scenarios, run one after the other in one process:

* ZERO LATENCY - the fake server runs in the same process and event loop and answers every call at
  once. Nothing waits on a network, so this measures the CPU cost per update of bot, PTB and fake
  server together (one event loop on one CPU: concurrency cannot overlap anything here): the worst
  case for a bot that does more than echo. Configurations 1-3 alternate (echo, echo same
  concurrency, full, echo, ...) for --rounds rounds of --updates updates; then configuration 4
  runs --capped-rounds times.
* WITH NETWORK LATENCY - one scenario per --latency-ms value (default 1, 5 and 50 ms): the fake
  server answers every call except getUpdates only after that many milliseconds
  (`FakeBotApi(response_delay=...)`). 50 ms is a typical round trip to Telegram's Bot API from a
  European server, 1 ms a Bot API server next to the bot. Against real Telegram every API call
  (getMe, sendMessage, ...) waits on the network like this, and that is where concurrent handling
  matters: with PTB's default of one update at a time a bot waits out a full round trip per reply
  (about 1000 / 50 = 20 updates/s at 50 ms, whatever its CPU cost), with concurrent_updates 8 up
  to eight round trips overlap. getUpdates is not delayed (updates reach the bot as soon as they
  are pushed), so the delay is the reply's round trip. Configurations 1-3 alternate for
  --latency-rounds rounds (default 5; 0 skips these scenarios) of --latency-updates updates
  (default 100, as the sequential echo bot needs about 5 s for them at 50 ms).

Every run gets a fresh fake server (and the full bot a fresh database), starts the app's real
polling loop (`initialize`, `start`, `updater.start_polling(poll_interval=0, timeout=1)`), answers
a few untimed warm-up updates, then gets its timed text updates and stops cleanly (`updater.stop`,
`stop`, `shutdown`; the storage is closed).

The updates are realistic Dutch questions from a small fixed list (answers, one that makes the
bot ask which question is meant, one off-topic question it hands over), sent from --chats
private chats. They are pushed in bursts of --burst updates, one per chat, and the next burst
follows when every chat of the burst has its reply. The latency of an update is the time the fake
server answered the first sendMessage to its chat after the push, minus the push time (both
time.monotonic, the clock of the fake server's `Call.answered_at`; with network latency that
includes the reply's round trip); it includes waiting behind the other updates of its burst.
Throughput is updates / (last reply - first push).

For each scenario it prints the ratios of the medians over the rounds: full bot (cap lifted) / echo
bot with PTB defaults (the target's comparison) and full bot / echo bot with the same concurrency
(informational). The "Target" block at the end gives the target - full bot >= 0.8 x echo bot with
PTB defaults - with its verdict in every scenario: the zero-latency row is the CPU cost alone, the
latency rows are the same comparison when the Bot API takes time to answer, as real Telegram
does. With --profile it then runs one more zero-latency round of each of configurations 1-3 under
cProfile and prints their own time per update in the timed window, grouped by component, side by
side with the full bot's excess over each echo bot (the fake server runs in the same event loop
and process, so it shows up too), the functions whose own time grew most from the echo bot (PTB
defaults) to the full bot, and engine.reply and Storage.record_event timed alone. The bot's code
is never changed or patched.

    python benchmarks/bench_telegram.py
    python benchmarks/bench_telegram.py --updates 200 --rounds 7 --profile
    python benchmarks/bench_telegram.py --latency-ms 20 120 --latency-rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import logging
import math
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import telegram
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import telegram_app  # noqa: E402
from bot.config import Config, StorageConfig, TelegramConfig, find_config, load_config  # noqa: E402
from bot.knowledge import Knowledge, require_knowledge  # noqa: E402
from bot.startup import build_engine  # noqa: E402
from bot.storage import Storage  # noqa: E402
from tests.fake_bot_api import DEFAULT_TOKEN, Call, FakeBotApi  # noqa: E402

AnyApp = Application[Any, Any, Any, Any, Any, Any]

TOKEN = DEFAULT_TOKEN
FIRST_CHAT = 700_001  # private chats: positive ids
WARMUP_CHAT = 800_001
WARMUP_UPDATES = 5
BURST_TIMEOUT = 30.0  # seconds for one burst's replies; a healthy burst takes well under a second
ROUND_TIMEOUT = 300.0  # seconds for a whole run, start to shutdown
TARGET_RATIO = 0.8
ZERO_LATENCY = "zero latency"  # the scenario's name in the output
DEFAULT_LATENCY_MS = 50.0  # a typical round trip to Telegram's Bot API from a European server
# The latency scenarios run by default: barely any, a fast self-hosted Bot API server, real Telegram.
DEFAULT_LATENCIES_MS = (1.0, 5.0, DEFAULT_LATENCY_MS)
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
PRODUCTION = TelegramConfig()  # the deployed defaults (config.example.yaml has the same values)
FULL_CONCURRENCY = PRODUCTION.concurrent_updates
TELEGRAM_FLOOD_LIMIT = PRODUCTION.overall_max_rate

# What people ask, in the order they are sent (cycled). The outcomes are printed at the start.
QUESTIONS = (
    "Wat doet een jongerenwerker?",
    "Hoe bereik ik de JEP Advieslijn?",
    "Wat kan de politie doen bij overlast van jongeren?",
    "Mijn zoon blowt, wat moet ik doen?",  # the bot asks which question is meant
    "Kan mijn kind op school bij de jongerenwerker terecht?",
    "Wanneer is de advieslijn open?",
    "Hoe laat gaat de supermarkt vanavond dicht?",  # off-topic: handed over to the advice line
    "Hoe werkt jongerenwerk samen met de gemeente?",
)


@dataclass(frozen=True, slots=True)
class RoundResult:
    """One run of one bot."""

    updates: int
    latencies_ms: tuple[float, ...]
    wall_s: float  # first push to last reply
    cpu_s: float  # process CPU time in the same window (this process runs bot and fake server)
    extra_messages: int  # sendMessage calls beyond one per update (e.g. a reply split in two)
    events: int | None  # rows in the full bot's events table, warm-up included

    @property
    def per_second(self) -> float:
        return self.updates / self.wall_s if self.wall_s > 0 else math.nan


@dataclass(frozen=True, slots=True)
class Plan:
    updates: int
    chats: int
    burst: int

    def bursts(self) -> Iterator[list[tuple[int, str]]]:
        """Bursts of (chat id, text); no chat twice in a burst, chats and questions cycled."""
        batch: list[tuple[int, str]] = []
        for n in range(self.updates):
            batch.append((FIRST_CHAT + n % self.chats, QUESTIONS[n % len(QUESTIONS)]))
            if len(batch) == self.burst:
                yield batch
                batch = []
        if batch:
            yield batch


# --- the bots ----------------------------------------------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def build_echo(server: FakeBotApi, concurrency: int) -> AnyApp:
    """A bare PTB echo bot; concurrency 1 is PTB's default (the builder is then left alone)."""
    builder = Application.builder().token(TOKEN).base_url(server.base_url).base_file_url(server.base_file_url)
    if concurrency != 1:
        builder = builder.concurrent_updates(concurrency)
    app: AnyApp = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


def full_config(base: Config, server: FakeBotApi, database: Path, overall_max_rate: int) -> Config:
    """The deployed Telegram settings (concurrent_updates, max_retries) with the given overall cap."""
    return dataclasses.replace(
        base,
        telegram=TelegramConfig(token=TOKEN, base_url=server.base_url, overall_max_rate=overall_max_rate),
        storage=StorageConfig(path=database, pseudonym_key="benchmark-pseudonym-key"),
    )


@dataclass(frozen=True, slots=True)
class Bot:
    """One configuration under test."""

    key: str
    label: str  # short, for tables
    title: str  # what it is, for the summary
    concurrency: int
    overall_max_rate: int | None  # None: the echo bot (no rate limiter at all)

    @property
    def full(self) -> bool:
        return self.overall_max_rate is not None


ECHO = Bot(
    "echo",
    "echo, PTB defaults",
    "1. Bare PTB echo bot, PTB defaults (concurrent_updates 1, no rate limiter) - the target's baseline",
    1,
    None,
)
ECHO_SAME = Bot(
    "echo-conc",
    f"echo, concurrent_updates {FULL_CONCURRENCY}",
    f"2. Bare PTB echo bot with the full bot's concurrency (concurrent_updates {FULL_CONCURRENCY}, no rate limiter)",
    FULL_CONCURRENCY,
    None,
)
FULL = Bot(
    "full",
    "full bot, cap lifted",
    f"3. Full bot as deployed (build_application, concurrent_updates {FULL_CONCURRENCY}, "
    f"DeliveryLimiter(max_retries={PRODUCTION.max_retries})), overall_max_rate=0: no 30 msg/s cap",
    FULL_CONCURRENCY,
    0,
)
FULL_CAPPED = Bot(
    "full-capped",
    f"full bot, {TELEGRAM_FLOOD_LIMIT} msg/s cap",
    f"4. Full bot, production config (overall_max_rate={TELEGRAM_FLOOD_LIMIT}): capped at Telegram's "
    f"{TELEGRAM_FLOOD_LIMIT} msg/s flood limit",
    FULL_CONCURRENCY,
    TELEGRAM_FLOOD_LIMIT,
)
ALTERNATING = (ECHO, ECHO_SAME, FULL)


# --- one run -----------------------------------------------------------------------------


async def reply_after(server: FakeBotApi, chat_id: int, pushed_at: float, since: int, deadline: float) -> Call:
    """The first successful sendMessage to `chat_id` that arrived at or after `pushed_at`."""

    def wanted(call: Call) -> bool:
        return call.ok and call.chat_id == chat_id and call.at >= pushed_at

    remaining = max(0.01, deadline - time.monotonic())
    return await server.wait_for_call("sendMessage", wanted, timeout=remaining, since=since, consume=False)


def replied_at(call: Call) -> float:
    """When the fake server answered the reply (after the emulated round trip, if any)."""
    return call.answered_at if call.answered_at is not None else call.at


async def send_burst(server: FakeBotApi, burst: Sequence[tuple[int, str]]) -> tuple[list[float], float, float]:
    """Push a burst, wait for every reply; (latencies in ms, first push time, last reply time)."""
    since = len(server.calls)
    pushed: list[tuple[int, float]] = []
    for chat_id, text in burst:
        at = time.monotonic()
        server.push_text(chat_id, text)
        pushed.append((chat_id, at))
    # Room for a sequential bot waiting out one round trip per update (twice, to be safe).
    deadline = time.monotonic() + BURST_TIMEOUT + 2 * len(burst) * server.response_delay
    latencies: list[float] = []
    last = pushed[0][1]
    for chat_id, at in pushed:
        call = await reply_after(server, chat_id, at, since, deadline)
        latencies.append((replied_at(call) - at) * 1000)
        last = max(last, replied_at(call))
    return latencies, pushed[0][1], last


@contextlib.asynccontextmanager
async def polling(app: AnyApp) -> AsyncIterator[AnyApp]:
    """Run the app's real polling loop; always stop and shut it down."""
    updater = app.updater
    if updater is None:
        raise RuntimeError("the application has no updater")
    try:
        await app.initialize()
        await app.start()
        await updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=False)
        yield app
    finally:
        if updater.running:
            await updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()


def count_events(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        row = db.execute("SELECT count(*) FROM events").fetchone()
    return int(row[0])


async def drive(
    server: FakeBotApi, app: AnyApp, plan: Plan, profiler: cProfile.Profile | None = None
) -> tuple[list[float], float, float, int]:
    """Warm up, then send the plan; (latencies in ms, wall s, CPU s, extra sendMessage calls)."""
    async with polling(app):
        warmup = [(WARMUP_CHAT + i, QUESTIONS[i % len(QUESTIONS)]) for i in range(WARMUP_UPDATES)]
        await send_burst(server, warmup)
        first_index = len(server.calls)
        latencies: list[float] = []
        cpu_start = time.process_time()
        first_push = last_reply = math.nan
        if profiler is not None:
            profiler.enable()
        try:
            for burst in plan.bursts():
                burst_latencies, pushed_at, replied_at = await send_burst(server, burst)
                latencies.extend(burst_latencies)
                first_push = pushed_at if math.isnan(first_push) else first_push
                last_reply = replied_at
        finally:
            if profiler is not None:
                profiler.disable()
        cpu = time.process_time() - cpu_start
        await asyncio.sleep(0.05 + 2 * server.response_delay)  # a split reply's last part, if any, arrives now
        sent = sum(1 for c in server.calls[first_index:] if c.method == "sendMessage" and c.ok)
    return latencies, last_reply - first_push, cpu, sent - plan.updates


async def run_echo(plan: Plan, concurrency: int, delay: float, profiler: cProfile.Profile | None = None) -> RoundResult:
    async with FakeBotApi(token=TOKEN, record_get_updates=False, response_delay=delay) as server:
        latencies, wall, cpu, extra = await drive(server, build_echo(server, concurrency), plan, profiler)
    return RoundResult(plan.updates, tuple(latencies), wall, cpu, extra, None)


async def run_full(
    plan: Plan,
    base: Config,
    knowledge: Knowledge,
    overall_max_rate: int,
    delay: float,
    profiler: cProfile.Profile | None = None,
) -> RoundResult:
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as folder:
        database = Path(folder) / "bot.sqlite3"
        async with FakeBotApi(token=TOKEN, record_get_updates=False, response_delay=delay) as server:
            config = full_config(base, server, database, overall_max_rate)
            storage = await Storage.open(config.storage)
            if not storage.enabled:
                raise RuntimeError(f"the benchmark storage could not be opened: {database}")
            try:
                app = telegram_app.build_application(config, knowledge, storage=storage, token=TOKEN)
                latencies, wall, cpu, extra = await drive(server, app, plan, profiler)
            finally:
                await storage.close()  # shutdown closed it already; closing twice is safe
        events = count_events(database)
    return RoundResult(plan.updates, tuple(latencies), wall, cpu, extra, events)


async def run_bot(
    bot: Bot,
    plan: Plan,
    base: Config,
    knowledge: Knowledge,
    profiler: cProfile.Profile | None = None,
    *,
    delay: float = 0.0,
) -> RoundResult:
    """One run of one configuration (`delay`: the fake server's response_delay in seconds), bounded in time."""
    # ROUND_TIMEOUT, plus room for a sequential bot waiting out a few round trips per update.
    async with asyncio.timeout(ROUND_TIMEOUT + 4 * delay * (plan.updates + WARMUP_UPDATES)):
        if bot.overall_max_rate is None:
            return await run_echo(plan, bot.concurrency, delay, profiler)
        return await run_full(plan, base, knowledge, bot.overall_max_rate, delay, profiler)


# --- reporting ---------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def fmt_ms(value: float) -> str:
    if value < 10:
        return f"{value:.2f}"
    if value < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


@dataclass(frozen=True, slots=True)
class Summary:
    bot: Bot
    rounds: int
    per_second: float  # median over the rounds
    per_second_min: float
    per_second_max: float
    p50_ms: float  # rounds pooled
    p95_ms: float
    max_ms: float
    cpu_share: float  # CPU time / wall time, median over the rounds
    extra_messages: int
    events: str


def summarise(bot: Bot, results: Sequence[RoundResult]) -> Summary:
    rates = [r.per_second for r in results]
    pooled = sorted(ms for r in results for ms in r.latencies_ms)
    events = [r.events for r in results if r.events is not None]
    expected = (results[0].updates if results else 0) + WARMUP_UPDATES
    shown = "-" if not events else ", ".join(str(e) for e in events) + f" (expected {expected} each)"
    return Summary(
        bot=bot,
        rounds=len(results),
        per_second=statistics.median(rates),
        per_second_min=min(rates),
        per_second_max=max(rates),
        p50_ms=percentile(pooled, 50),
        p95_ms=percentile(pooled, 95),
        max_ms=pooled[-1] if pooled else math.nan,
        cpu_share=statistics.median(r.cpu_s / r.wall_s for r in results if r.wall_s > 0),
        extra_messages=sum(r.extra_messages for r in results),
        events=shown,
    )


def print_rows(title: str, rows: Sequence[tuple[str, str]]) -> None:
    print(title)
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        print(f"  {label:<{width}}{value}")
    print()


def print_summary(summary: Summary, results: Sequence[RoundResult], scenario: str) -> None:
    per_round = "  ".join(f"{r.per_second:.0f}" for r in results)
    rounds = "round" if summary.rounds == 1 else "rounds"
    rows = [
        ("updates/s (median)", f"{summary.per_second:8.1f}   (min {summary.per_second_min:.1f}, "
         f"max {summary.per_second_max:.1f}; per round: {per_round})"),
        ("latency p50", f"{fmt_ms(summary.p50_ms):>8} ms"),
        ("latency p95", f"{fmt_ms(summary.p95_ms):>8} ms   (max {fmt_ms(summary.max_ms)} ms)"),
        ("CPU busy (median)", f"{summary.cpu_share * 100:7.0f} %   (CPU time / wall time, bot + fake server)"),
        ("extra sendMessage", f"{summary.extra_messages:8d}   (beyond one reply per update)"),
    ]  # fmt: skip
    if summary.bot.full:
        rows.append(("SQLite events rows", summary.events))
    pooled = sum(len(r.latencies_ms) for r in results)
    print_rows(f"{summary.bot.title}\n  ({summary.rounds} {rounds}, {pooled} updates pooled; {scenario})", rows)


def paired_ratio(full: Sequence[RoundResult], echo: Sequence[RoundResult]) -> tuple[float, float, float]:
    """Median, min and max of full / echo updates per second, round by round.

    The rounds alternate, so a round of each ran at nearly the same moment: pairing them takes out
    the drift of a shared machine (here whole rounds run up to 1.7x faster or slower than others),
    which a ratio of the two medians does not.
    """
    ratios = [f.per_second / e.per_second for f, e in zip(full, echo, strict=False) if e.per_second > 0]
    if not ratios:
        return math.nan, math.nan, math.nan
    return statistics.median(ratios), min(ratios), max(ratios)


def print_comparison(
    summaries: Sequence[Summary], results: dict[str, list[RoundResult]], scenario: str
) -> tuple[float, float]:
    """The table of all configurations and the two ratios; returns full / echo (PTB defaults) and full / echo same."""
    echo, echo_same, full = summaries[:3]
    width = max(len(s.bot.label) for s in summaries) + 2
    print(f"Comparison, {scenario} (throughput: median over rounds; latency: rounds pooled)")
    print(f"  {'configuration':<{width}}{'rounds':>6} {'updates/s':>10} {'p50 ms':>9} {'p95 ms':>9}")
    for s in summaries:
        print(f"  {s.bot.label:<{width}}{s.rounds:>6} {s.per_second:10.1f} {fmt_ms(s.p50_ms):>9} {fmt_ms(s.p95_ms):>9}")
    print()
    ratio, low, high = paired_ratio(results[full.bot.key], results[echo.bot.key])
    same, same_low, same_high = paired_ratio(results[full.bot.key], results[echo_same.bot.key])
    capped = any(s.bot.key == FULL_CAPPED.key for s in summaries)
    note = "; the capped run is in no ratio: it measures the cap" if capped else ""
    print_rows(
        f"Ratios, {scenario} (full bot with the cap lifted{note}; throughput: median of the per-round ratios)",
        [
            (f"full / {echo.bot.label}", f"{ratio:5.2f} x throughput (rounds {low:.2f}-{high:.2f}; ratio of medians "
             f"{full.per_second / echo.per_second:.2f}), p50 {full.p50_ms / echo.p50_ms:.1f}x, "
             f"p95 {full.p95_ms / echo.p95_ms:.1f}x   (the target's comparison)"),
            (f"full / {echo_same.bot.label}", f"{same:5.2f} x throughput (rounds {same_low:.2f}-{same_high:.2f}), "
             f"p50 {full.p50_ms / echo_same.p50_ms:.1f}x, p95 {full.p95_ms / echo_same.p95_ms:.1f}x   "
             "(informational: same concurrency)"),
        ],
    )  # fmt: skip
    return ratio, same


def print_target(verdicts: Sequence[tuple[str, float, float]]) -> None:
    """The target (full bot >= TARGET_RATIO x echo bot at PTB defaults) per scenario, and what it adds up to."""
    rows = []
    for scenario, ratio, same in verdicts:
        verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
        rows.append(
            (
                f"{scenario}: full bot (cap lifted) / bare echo bot (PTB defaults)",
                f"{ratio:5.2f} x   {verdict}   (vs echo with concurrent_updates {FULL_CONCURRENCY}: {same:.2f} x)",
            )
        )
    print(
        f"Target: full bot throughput >= {TARGET_RATIO} x the bare echo bot (PTB defaults); "
        "median of the per-round ratios"
    )
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        print(f"  {label:<{width}}{value}")
    met = [scenario for scenario, ratio, _same in verdicts if ratio >= TARGET_RATIO]
    missed = [scenario for scenario, ratio, _same in verdicts if ratio < TARGET_RATIO]
    if met and missed:
        print(f"  Met with {', '.join(met)}; missed with {', '.join(missed)}.")
    elif met:
        print("  Met in every scenario run.")
    else:
        print("  Missed in every scenario run.")
    print(
        f"  With {ZERO_LATENCY} the fake server answers instantly in the bot's own process, so the comparison is of\n"
        "  CPU cost per update alone; any round trip to the Bot API (real Telegram: tens of milliseconds) is\n"
        "  time the echo bot at PTB defaults spends waiting, one update at a time, and the full bot overlaps."
    )
    print()


# --- profiling ---------------------------------------------------------------------------

# Own time is grouped by where the code lives; the first matching fragment of the path wins.
COMPONENTS = (
    ("select.epoll", "event loop waiting (idle: nothing to do)"),
    ("/bot/screening.py", "bot: crisis screening (screening.py)"),
    ("/bot/matching.py", "bot: matcher (matching.py)"),
    ("/bot/text.py", "bot: text normalising (text.py)"),
    ("/bot/", "bot: other (engine, replies, handlers, storage, inbox, delivery)"),
    ("/telegram/ext/_aioratelimiter.py", "PTB AIORateLimiter"),
    ("/telegram/", "python-telegram-bot (objects, dispatch, Bot)"),
    ("/aiolimiter/", "aiolimiter"),
    ("/httpx/", "httpx / httpcore / h11 (client HTTP)"),
    ("/httpcore/", "httpx / httpcore / h11 (client HTTP)"),
    ("/h11/", "httpx / httpcore / h11 (client HTTP)"),
    ("/anyio/", "httpx / httpcore / h11 (client HTTP)"),
    ("/sniffio/", "httpx / httpcore / h11 (client HTTP)"),
    ("/aiosqlite/", "aiosqlite (calling thread only)"),
    ("/tests/fake_bot_api.py", "fake Bot API server (aiohttp, json)"),
    ("/aiohttp/", "fake Bot API server (aiohttp, json)"),
    ("/multidict/", "fake Bot API server (aiohttp, json)"),
    ("/yarl/", "fake Bot API server (aiohttp, json)"),
    ("/asyncio/", "asyncio event loop"),
    ("selectors.py", "asyncio event loop"),
    ("threading.py", "threads (aiosqlite hand-over)"),
    ("queue.py", "threads (aiosqlite hand-over)"),
    ("/json/", "json"),
    ("copy.py", "copy.deepcopy (fake server)"),
    ("/bench_telegram.py", "this benchmark (pushing, waiting)"),
)


def component(filename: str, name: str) -> str | None:
    """The component of a function, or None for a built-in (whose time goes to its callers)."""
    where = filename if filename != "~" else name
    for fragment, label in COMPONENTS:
        if fragment in where:
            return label
    return None if filename == "~" else "other Python"


def own_time_by_component(stats: pstats.Stats) -> dict[str, float]:
    """Own time per component; a built-in's time is split over its callers by how often each called it."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, own, _cum, callers) in table.items():
        label = component(filename, name)
        if label is not None:
            totals[label] = totals.get(label, 0.0) + own
            continue
        calls = sum(float(v[1]) for v in callers.values()) or 1.0
        for (c_file, _c_line, c_name), value in callers.items():
            c_label = component(c_file, c_name) or "built-ins called by built-ins"
            totals[c_label] = totals.get(c_label, 0.0) + own * float(value[1]) / calls
        if not callers:
            totals["built-ins, caller unknown"] = totals.get("built-ins, caller unknown", 0.0) + own
    return totals


@dataclass(frozen=True, slots=True)
class Profiled:
    bot: Bot
    result: RoundResult
    profiler: cProfile.Profile

    def ms_per_update(self) -> dict[str, float]:
        totals = own_time_by_component(pstats.Stats(self.profiler))
        return {label: seconds * 1000 / self.result.updates for label, seconds in totals.items()}


def print_profiles(echo: Profiled, echo_same: Profiled, full: Profiled) -> None:
    """Own time per update and component for the three bots, and what the full bot spends beyond each echo bot."""
    echo_ms, same_ms, full_ms = echo.ms_per_update(), echo_same.ms_per_update(), full.ms_per_update()
    idle = COMPONENTS[0][1]
    labels = sorted(
        set(echo_ms) | set(same_ms) | set(full_ms), key=lambda k: -(full_ms.get(k, 0.0) - echo_ms.get(k, 0.0))
    )
    width = max(len(label) for label in labels) + 2
    print("Profile (cProfile, one more round each): own time per update in the timed window, by component (ms)")
    print(
        f"  {'component':<{width}}{'echo':>8} {f'echo x{FULL_CONCURRENCY}':>8} {'full':>8}"
        f" {'full-echo':>10} {f'full-echo x{FULL_CONCURRENCY}':>13}"
    )
    rows = [(label, echo_ms.get(label, 0.0), same_ms.get(label, 0.0), full_ms.get(label, 0.0)) for label in labels]
    busy = [sum(v for k, v in ms.items() if k != idle) for ms in (echo_ms, same_ms, full_ms)]
    rows.append(("total, without idle waiting", busy[0], busy[1], busy[2]))
    for label, e, s, f in rows:
        if max(e, s, f) >= 0.005:
            print(f"  {label:<{width}}{e:8.3f} {s:8.3f} {f:8.3f} {f - e:+10.3f} {f - s:+13.3f}")
    for p in (echo, echo_same, full):
        r = p.result
        print(
            f"  under cProfile, {p.bot.label}: {r.per_second:.1f} updates/s, wall {r.wall_s:.2f} s, "
            f"CPU {r.cpu_s:.2f} s ({r.cpu_s / r.wall_s * 100:.0f} % busy)"
        )
    print("  (cProfile slows Python code much more than C code, so these times are inflated and only compare.)")
    print()


def function_name(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    return name if filename == "~" else f"{Path(filename).name}:{line}({name})"


def own_ms_by_function(profiled: Profiled) -> dict[str, tuple[float, float]]:
    """Own ms per update and calls per update of every function (built-ins as themselves)."""
    table: dict[Any, Any] = pstats.Stats(profiled.profiler).stats  # type: ignore[attr-defined]
    n = profiled.result.updates
    out: dict[str, tuple[float, float]] = {}
    for key, (_cc, calls, own, _cum, _callers) in table.items():
        ms, count = out.get(function_name(key), (0.0, 0.0))
        out[function_name(key)] = (ms + own * 1000 / n, count + calls / n)
    return out


def print_function_difference(echo: Profiled, full: Profiled, top: int) -> None:
    """The functions whose own time per update grew most from the echo bot to the full bot."""
    echo_fn, full_fn = own_ms_by_function(echo), own_ms_by_function(full)
    names = sorted(full_fn, key=lambda k: -(full_fn[k][0] - echo_fn.get(k, (0.0, 0.0))[0]))[:top]
    width = min(80, max(len(name) for name in names) + 2)
    print(f"Profile: the {top} functions whose own time per update grew most, {echo.bot.label} -> {full.bot.label}")
    print(f"  {'function':<{width}}{'echo ms':>8} {'full ms':>8} {'full-echo':>10} {'calls/update echo, full':>24}")
    for name in names:
        e_ms, e_calls = echo_fn.get(name, (0.0, 0.0))
        f_ms, f_calls = full_fn[name]
        shown = name[: width - 1]
        print(f"  {shown:<{width}}{e_ms:8.3f} {f_ms:8.3f} {f_ms - e_ms:+10.3f} {e_calls:13.1f}, {f_calls:8.1f}")
    print()


async def profile_full(plan: Plan, base: Config, knowledge: Knowledge, summaries: dict[str, Summary]) -> None:
    """The three compared bots under cProfile (one round each), and two parts of the full bot timed alone."""
    profiled: dict[str, Profiled] = {}
    for bot in ALTERNATING:
        profiler = cProfile.Profile()
        result = await run_bot(bot, plan, base, knowledge, profiler)
        profiled[bot.key] = Profiled(bot, result, profiler)
    print_profiles(profiled[ECHO.key], profiled[ECHO_SAME.key], profiled[FULL.key])
    print_function_difference(profiled[ECHO.key], profiled[FULL.key], top=20)
    reply_ms, record_ms = await part_costs(plan, base, knowledge)
    echo_ms = 1000 / summaries[ECHO.key].per_second
    rows = [
        (
            bot.label,
            f"{1000 / summaries[bot.key].per_second:5.2f} ms  ({1000 / summaries[bot.key].per_second - echo_ms:+.2f})",
        )
        for bot in ALTERNATING
    ]
    rows.extend(
        [
            ("  engine.reply", f"{reply_ms:5.2f} ms  (mean, timed alone over the same questions)"),
            ("  Storage.record_event", f"{record_ms:5.2f} ms  (mean, timed alone, awaited one after the other)"),
        ]
    )
    print_rows("Wall time per update from the medians above (1000 / updates per second), not profiled", rows)


async def part_costs(plan: Plan, base: Config, knowledge: Knowledge) -> tuple[float, float]:
    """Mean ms per update of engine.reply and of Storage.record_event, each timed on its own."""
    engine = build_engine(base, knowledge)
    questions = [text for burst in plan.bursts() for _chat, text in burst]
    for question in QUESTIONS:
        engine.reply(question)
    start = time.perf_counter()
    replies = [engine.reply(question) for question in questions]
    reply_ms = (time.perf_counter() - start) * 1000 / len(questions)
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as folder:
        config = StorageConfig(path=Path(folder) / "bot.sqlite3", pseudonym_key="benchmark-pseudonym-key")
        storage = await Storage.open(config)
        try:
            start = time.perf_counter()
            for n, (reply, question) in enumerate(zip(replies, questions, strict=True)):
                await storage.record_event(
                    FIRST_CHAT + n % plan.chats, reply.outcome, reply.faq_id, reply.score, question
                )
            record_ms = (time.perf_counter() - start) * 1000 / len(questions)
        finally:
            await storage.close()
    return reply_ms, record_ms


# --- main --------------------------------------------------------------------------------


def local_only() -> None:
    """httpx must not route 127.0.0.1 through a proxy."""
    for name in PROXY_VARS:
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1"


def outcome_mix(config: Config, knowledge: Knowledge) -> str:
    engine = build_engine(config, knowledge)
    counts: dict[str, int] = {}
    for question in QUESTIONS:
        outcome = str(engine.reply(question).outcome)
        counts[outcome] = counts.get(outcome, 0) + 1
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def latency_name(latency_ms: float) -> str:
    return f"{latency_ms:g} ms latency"


def print_section(title: str) -> None:
    print(f"== {title} ==")
    print()


async def run_rounds(
    prefix: str,
    bots: Sequence[Bot],
    rounds: int,
    plan: Plan,
    config: Config,
    knowledge: Knowledge,
    delay: float,
) -> dict[str, list[RoundResult]]:
    """`rounds` rounds of the bots, alternating; prints each round's updates/s."""
    results: dict[str, list[RoundResult]] = {bot.key: [] for bot in bots}
    for number in range(1, rounds + 1):
        line = []
        for bot in bots:
            result = await run_bot(bot, plan, config, knowledge, delay=delay)
            results[bot.key].append(result)
            line.append(f"{bot.key} {result.per_second:6.1f}")
        print(f"  {prefix} {number}/{rounds} (updates/s): {', '.join(line)}", flush=True)
    return results


def report(
    scenario: str, bots: Sequence[Bot], results: dict[str, list[RoundResult]]
) -> tuple[dict[str, Summary], float, float]:
    """Every bot's summary, the comparison table and the ratios; (summaries by key, full / echo, full / echo same)."""
    ran = [bot for bot in bots if results.get(bot.key)]
    summaries = [summarise(bot, results[bot.key]) for bot in ran]
    for bot, summary in zip(ran, summaries, strict=True):
        print_summary(summary, results[bot.key], scenario)
    ratio, same = print_comparison(summaries, results, scenario)
    return {s.bot.key: s for s in summaries}, ratio, same


async def benchmark(args: argparse.Namespace, config: Config, knowledge: Knowledge) -> int:
    burst = min(args.burst, args.chats)
    plan = Plan(updates=args.updates, chats=args.chats, burst=burst)
    print_section(f"{ZERO_LATENCY.capitalize()}: the fake Bot API answers every call at once (CPU cost per update)")
    results = await run_rounds("round", ALTERNATING, args.rounds, plan, config, knowledge, 0.0)
    capped = await run_rounds("capped round", (FULL_CAPPED,), args.capped_rounds, plan, config, knowledge, 0.0)
    results.update(capped)
    print()
    summaries, ratio, same = report(ZERO_LATENCY, (*ALTERNATING, FULL_CAPPED), results)

    verdicts = [(ZERO_LATENCY, ratio, same)]
    latency_plan = Plan(updates=args.latency_updates, chats=args.chats, burst=burst)
    for latency_ms in args.latency_ms if args.latency_rounds else ():
        scenario = latency_name(latency_ms)
        print_section(
            f"With network latency: every API call except getUpdates is answered after {latency_ms:g} ms "
            "(where concurrent handling matters)"
        )
        latency_results = await run_rounds(
            "latency round", ALTERNATING, args.latency_rounds, latency_plan, config, knowledge, latency_ms / 1000
        )
        print()
        _summaries, latency_ratio, latency_same = report(scenario, ALTERNATING, latency_results)
        verdicts.append((scenario, latency_ratio, latency_same))

    print_target(verdicts)
    if args.profile:
        await profile_full(plan, config, knowledge, summaries)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=200, help="timed text updates per round (default 200)")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of configurations 1-3, alternating (default 9)")
    parser.add_argument(
        "--capped-rounds",
        type=int,
        default=1,
        help=f"rounds of the full bot capped at {TELEGRAM_FLOOD_LIMIT} msg/s, after the others (default 1; 0: skip)",
    )
    parser.add_argument("--chats", type=int, default=20, help="distinct private chats (default 20)")
    parser.add_argument("--burst", type=int, default=10, help="updates pushed at once, one per chat (default 10)")
    parser.add_argument(
        "--latency-ms",
        type=float,
        nargs="+",
        default=list(DEFAULT_LATENCIES_MS),
        help="network latency scenarios: every API call but getUpdates answered after this many ms, one scenario "
        f"per value (default {' '.join(f'{ms:g}' for ms in DEFAULT_LATENCIES_MS)}; {DEFAULT_LATENCY_MS:g} ms is a "
        "typical round trip to Telegram's Bot API from a European server)",
    )
    parser.add_argument(
        "--latency-rounds",
        type=int,
        default=5,
        help="rounds of configurations 1-3 per network latency, alternating (default 5; 0: skip these scenarios)",
    )
    parser.add_argument(
        "--latency-updates",
        type=int,
        default=100,
        help="timed text updates per round with network latency (default 100)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile one more zero-latency round of the echo bots and the full bot (cap lifted)",
    )
    args = parser.parse_args()
    if min(args.updates, args.rounds, args.chats, args.burst, args.latency_updates) < 1:
        parser.error("--updates, --rounds, --chats, --burst and --latency-updates must be at least 1")
    if args.capped_rounds < 0 or args.latency_rounds < 0:
        parser.error("--capped-rounds and --latency-rounds must be 0 or more")
    if not all(0 < ms <= 10_000 for ms in args.latency_ms):
        parser.error("--latency-ms values must be above 0 and at most 10000 (zero latency always runs first)")

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("telegram", "httpx", "httpcore", "aiohttp", "bot"):
        logging.getLogger(name).setLevel(logging.WARNING)
    local_only()
    os.chdir(ROOT)  # the default config and its knowledge folder are relative to the project root
    config, problems = load_config(find_config(None))  # as the bot finds it: $JEPBOT_CONFIG, config.yaml, example
    if config is None:
        for problem in problems:
            print(problem.format(), file=sys.stderr)
        return 2
    knowledge = require_knowledge(config.knowledge_dir)
    burst = min(args.burst, args.chats)
    print(
        f"Telegram benchmark: Python {platform.python_version()}, python-telegram-bot {telegram.__version__}, "
        f"{os.cpu_count()} CPUs, config {config.source}, {len(knowledge.entries)} entries"
    )
    with_latency = f" ({args.latency_updates} with network latency)" if args.latency_rounds else ""
    print(
        f"Per round and bot: {args.updates} text updates{with_latency} from {args.chats} private chats, in bursts of "
        f"{burst} (one per chat; next burst after all replies), after {WARMUP_UPDATES} untimed warm-up updates."
    )
    print(f"Questions: {len(QUESTIONS)} fixed Dutch questions, cycled ({outcome_mix(config, knowledge)}).")
    print(
        "Every run polls a fresh fake Bot API on 127.0.0.1 (no flood limits), poll_interval=0, timeout=1. "
        "Configurations:"
    )
    for bot in (*ALTERNATING, FULL_CAPPED):
        print(f"  {bot.title}")
    print(
        f"The full bot is compared with the cap lifted: {TELEGRAM_FLOOD_LIMIT} msg/s is Telegram's broadcast flood "
        "limit, and against a fake server without flood limits the capped bot only measures that cap.\n"
        "The full bot's own config and Telegram settings are otherwise the deployed ones; its code is not patched."
    )
    alternating = f"{', '.join(bot.key for bot in ALTERNATING)}, ..."
    latencies = " / ".join(f"{ms:g}" for ms in args.latency_ms)
    zero = (
        f"{ZERO_LATENCY.capitalize()}: the fake server (same process, same event loop) answers every call at once. "
        "Nothing waits on a network, so this measures the CPU cost per update of bot + PTB + fake server, and "
        "concurrency cannot overlap anything: the worst case for a bot that does more than echo."
    )
    zero_plan = (
        f"Alternating: {alternating} ({args.rounds} rounds of each, {args.updates} updates a round); "
        f"then {args.capped_rounds} round(s) of {FULL_CAPPED.key}."
    )
    latency_plan = (
        f"Alternating: {alternating} ({args.latency_rounds} rounds of each, {args.latency_updates} updates a round), "
        f"once per latency: {latencies} ms."
        if args.latency_rounds
        else "Not run (--latency-rounds 0)."
    )
    latency = (
        f"With network latency: every API call except getUpdates is answered after {latencies} ms "
        f"(--latency-ms; {DEFAULT_LATENCY_MS:g} ms is a typical round trip to Telegram's Bot API from a European "
        "server, 1 ms a Bot API server next to the bot). Against real Telegram every API call waits on the network, "
        "and that is where concurrent handling matters: one update at a time (PTB's default) waits out a round trip "
        f"per reply (at {DEFAULT_LATENCY_MS:g} ms at most about {1000 / DEFAULT_LATENCY_MS:.0f} updates/s), "
        f"concurrent_updates {FULL_CONCURRENCY} overlaps up to {FULL_CONCURRENCY} of them."
    )
    print("Scenarios:")
    for number, (text, plan) in enumerate(((zero, zero_plan), (latency, latency_plan)), start=1):
        indent = "     "
        wrapped = textwrap.fill(
            text, width=118, initial_indent=f"  {number}. ", subsequent_indent=indent, break_on_hyphens=False
        )
        print(wrapped)
        print(f"{indent}{plan}")
    print()
    return asyncio.run(benchmark(args, config, knowledge))


if __name__ == "__main__":
    raise SystemExit(main())

"""Measure the whole Telegram bot against a bare PTB echo bot on a fake Bot API (a tool, not a test).

What it measures: updates per second and reply latency (p50, p95) of

* the FULL bot: our Application from `bot.telegram_app.build_application`, with its handlers, the
  Engine over the real knowledge base, a real SQLite `Storage` in a temporary folder and the
  AIORateLimiter exactly as `build_application` configures it;
* a BARE echo bot: a plain python-telegram-bot Application with one
  `MessageHandler(filters.TEXT, reply_text(update.message.text))`, no rate limiter;

both polling the same kind of fake Telegram Bot API (tests/fake_bot_api.py, on 127.0.0.1 only),
in one run, alternating: echo, full, echo, full, ... (--rounds rounds of each). Every run gets a
fresh fake server (and the full bot a fresh database), starts the app's real polling loop
(`initialize`, `start`, `updater.start_polling(poll_interval=0, timeout=1)`), answers a few
untimed warm-up updates, then gets --updates text updates and stops cleanly (`updater.stop`,
`stop`, `shutdown`; the storage is closed).

The updates are realistic Dutch questions from a small fixed list (answers, one that makes the
bot ask which question is meant, one off-topic question it hands over), sent from --chats
private chats. They are pushed in bursts of --burst updates, one per chat, and the next burst
follows when every chat of the burst has its reply. The latency of an update is the time of the
first sendMessage to its chat after the push, minus the push time (both time.monotonic, the
clock of the fake server's `Call.at`); it includes waiting behind the other updates of its burst.
Throughput is updates / (last reply - first push). `concurrent_updates` is left at PTB's default
(one update at a time) for both bots, so they do the same work in the same order.

At the end it prints the target: full bot throughput >= 0.8 x echo bot throughput (medians over
the rounds). With --profile it then runs one more full-bot round under cProfile (own time in the
timed window, grouped by component; the fake server runs in the same event loop and process, so
it shows up too), and, as a diagnostic, full-bot rounds whose AIORateLimiter has no overall
30 messages/s limit (profiled and not), next to engine.reply and Storage.record_event timed alone.
The bot's code is never changed.

    python benchmarks/bench_telegram.py
    python benchmarks/bench_telegram.py --updates 200 --rounds 5 --profile
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import functools
import io
import logging
import math
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import telegram
from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import telegram_app  # noqa: E402
from bot.config import Config, StorageConfig, TelegramConfig, load_config  # noqa: E402
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
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")

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

    kind: str
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


# --- the two bots ------------------------------------------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def build_echo(server: FakeBotApi) -> AnyApp:
    app: AnyApp = (
        Application.builder().token(TOKEN).base_url(server.base_url).base_file_url(server.base_file_url).build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


def full_config(base: Config, server: FakeBotApi, database: Path) -> Config:
    return dataclasses.replace(
        base,
        telegram=TelegramConfig(token=TOKEN, base_url=server.base_url),
        storage=StorageConfig(path=database, pseudonym_key="benchmark-pseudonym-key"),
    )


# --- one run -----------------------------------------------------------------------------


async def reply_after(server: FakeBotApi, chat_id: int, pushed_at: float, since: int, deadline: float) -> Call:
    """The first successful sendMessage to `chat_id` that arrived at or after `pushed_at`."""

    def wanted(call: Call) -> bool:
        return call.ok and call.chat_id == chat_id and call.at >= pushed_at

    remaining = max(0.01, deadline - time.monotonic())
    return await server.wait_for_call("sendMessage", wanted, timeout=remaining, since=since, consume=False)


async def send_burst(server: FakeBotApi, burst: Sequence[tuple[int, str]]) -> tuple[list[float], float, float]:
    """Push a burst, wait for every reply; (latencies in ms, first push time, last reply time)."""
    since = len(server.calls)
    pushed: list[tuple[int, float]] = []
    for chat_id, text in burst:
        at = time.monotonic()
        server.push_text(chat_id, text)
        pushed.append((chat_id, at))
    deadline = time.monotonic() + BURST_TIMEOUT
    latencies: list[float] = []
    last = pushed[0][1]
    for chat_id, at in pushed:
        call = await reply_after(server, chat_id, at, since, deadline)
        latencies.append((call.at - at) * 1000)
        last = max(last, call.at)
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
        await asyncio.sleep(0.05)  # a split reply's last part, if any, arrives now
        sent = sum(1 for c in server.calls[first_index:] if c.method == "sendMessage" and c.ok)
    return latencies, last_reply - first_push, cpu, sent - plan.updates


async def run_echo(plan: Plan) -> RoundResult:
    async with FakeBotApi(token=TOKEN, record_get_updates=False) as server:
        latencies, wall, cpu, extra = await drive(server, build_echo(server), plan)
    return RoundResult("echo", plan.updates, tuple(latencies), wall, cpu, extra, None)


async def run_full(
    plan: Plan, base: Config, knowledge: Knowledge, profiler: cProfile.Profile | None = None
) -> RoundResult:
    with tempfile.TemporaryDirectory(prefix="bench-telegram-") as folder:
        database = Path(folder) / "bot.sqlite3"
        async with FakeBotApi(token=TOKEN, record_get_updates=False) as server:
            config = full_config(base, server, database)
            storage = await Storage.open(config.storage)
            if not storage.enabled:
                raise RuntimeError(f"the benchmark storage could not be opened: {database}")
            try:
                app = telegram_app.build_application(config, knowledge, storage=storage, token=TOKEN)
                latencies, wall, cpu, extra = await drive(server, app, plan, profiler)
            finally:
                await storage.close()  # shutdown closed it already; closing twice is safe
        events = count_events(database)
    return RoundResult("full", plan.updates, tuple(latencies), wall, cpu, extra, events)


async def bounded(run: Callable[[], Awaitable[RoundResult]]) -> RoundResult:
    async with asyncio.timeout(ROUND_TIMEOUT):
        return await run()


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
    label: str
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


def summarise(label: str, results: Sequence[RoundResult], warmup: int) -> Summary:
    rates = [r.per_second for r in results]
    pooled = sorted(ms for r in results for ms in r.latencies_ms)
    events = [r.events for r in results if r.events is not None]
    updates = results[0].updates if results else 0
    shown = "-" if not events else ", ".join(str(e) for e in events) + f" (expected {updates + warmup} each)"
    return Summary(
        label=label,
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


def print_summary(summary: Summary, results: Sequence[RoundResult]) -> None:
    per_round = "  ".join(f"{r.per_second:.0f}" for r in results)
    print_rows(
        f"{summary.label} ({summary.rounds} rounds, {sum(len(r.latencies_ms) for r in results)} updates pooled)",
        [
            ("updates/s (median)", f"{summary.per_second:8.1f}   (min {summary.per_second_min:.1f}, "
             f"max {summary.per_second_max:.1f}; per round: {per_round})"),
            ("latency p50", f"{fmt_ms(summary.p50_ms):>8} ms"),
            ("latency p95", f"{fmt_ms(summary.p95_ms):>8} ms   (max {fmt_ms(summary.max_ms)} ms)"),
            ("CPU busy (median)", f"{summary.cpu_share * 100:7.0f} %   (CPU time / wall time, bot + fake server)"),
            ("extra sendMessage", f"{summary.extra_messages:8d}   (beyond one reply per update)"),
            ("SQLite events rows", summary.events),
        ],
    )  # fmt: skip


def print_comparison(echo: Summary, full: Summary) -> float:
    ratio = full.per_second / echo.per_second
    rows = [
        ("bot", "updates/s    p50 ms    p95 ms"),
        ("bare echo bot", f"{echo.per_second:9.1f} {fmt_ms(echo.p50_ms):>9} {fmt_ms(echo.p95_ms):>9}"),
        ("full bot", f"{full.per_second:9.1f} {fmt_ms(full.p50_ms):>9} {fmt_ms(full.p95_ms):>9}"),
        ("ratio full/echo", f"{ratio:9.2f} {full.p50_ms / echo.p50_ms:8.1f}x {full.p95_ms / echo.p95_ms:8.1f}x"),
    ]
    print_rows("Comparison (throughput: median over rounds; latency: rounds pooled)", rows)
    return ratio


def print_target(ratio: float) -> bool:
    met = ratio >= TARGET_RATIO
    verdict = "met" if met else f"MISSED (full bot reaches {ratio:.2f} x echo)"
    print_rows("Target", [(f"full bot throughput >= {TARGET_RATIO} x echo bot", f"{ratio:.2f} x   {verdict}")])
    return met


# --- profiling ---------------------------------------------------------------------------

# Own time is grouped by where the code lives; the first matching fragment of the path wins.
COMPONENTS = (
    ("select.epoll", "event loop waiting (idle: nothing to do)"),
    ("/bot/screening.py", "bot: crisis screening (screening.py)"),
    ("/bot/matching.py", "bot: matcher (matching.py)"),
    ("/bot/text.py", "bot: text normalising (text.py)"),
    ("/bot/", "bot: other (engine, replies, handlers, storage)"),
    ("/telegram/", "python-telegram-bot (objects, dispatch, Bot, rate limiter)"),
    ("/aiolimiter/", "aiolimiter"),
    ("/httpx/", "httpx / httpcore / h11 (client HTTP)"),
    ("/httpcore/", "httpx / httpcore / h11 (client HTTP)"),
    ("/h11/", "httpx / httpcore / h11 (client HTTP)"),
    ("/anyio/", "httpx / httpcore / h11 (client HTTP)"),
    ("/aiosqlite/", "aiosqlite (calling thread only)"),
    ("/tests/fake_bot_api.py", "fake Bot API server (aiohttp, json)"),
    ("/aiohttp/", "fake Bot API server (aiohttp, json)"),
    ("/multidict/", "fake Bot API server (aiohttp, json)"),
    ("/yarl/", "fake Bot API server (aiohttp, json)"),
    ("/asyncio/", "asyncio event loop"),
    ("selectors.py", "asyncio event loop"),
    ("/json/", "json"),
    ("copy.py", "copy.deepcopy (fake server)"),
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


def print_profile(title: str, result: RoundResult, profiler: cProfile.Profile, top: int) -> None:
    stats = pstats.Stats(profiler)
    totals = own_time_by_component(stats)
    profiled = sum(totals.values())
    rows = [
        ("updates/s", f"{result.per_second:.1f} (under cProfile, which slows the CPU-bound parts)"),
        ("wall time", f"{result.wall_s:.2f} s first push to last reply"),
        ("CPU time", f"{result.cpu_s:.2f} s ({result.cpu_s / result.wall_s * 100:.0f} % of wall time)"),
    ]
    rows.extend(
        (f"  {label}", f"{seconds:6.3f} s  {seconds / profiled * 100:5.1f} %")
        for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1])
        if seconds / profiled >= 0.005
    )
    print_rows(f"{title}: own time in the measured window, by component", rows)
    if top:
        out = io.StringIO()
        stats.stream = out  # type: ignore[attr-defined]
        stats.strip_dirs().sort_stats(pstats.SortKey.TIME).print_stats(top)
        print(f"{title}: top functions by own time")
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
        for line in lines[start:]:
            print(f"  {line[:140]}")
        print()


def without_overall_limit() -> contextlib.AbstractContextManager[Any]:
    """Diagnostic only: build_application then gets AIORateLimiter(overall_max_rate=0, max_retries=3),
    the same limiter without its 30 messages per second bucket (the bot's code is not changed)."""
    return mock.patch.object(telegram_app, "AIORateLimiter", functools.partial(AIORateLimiter, overall_max_rate=0))


async def profile_full(plan: Plan, base: Config, knowledge: Knowledge, echo_rate: float) -> None:
    """Full-bot rounds under cProfile: as configured, and without the limiter's overall limit."""
    profiler = cProfile.Profile()
    result = await bounded(lambda: run_full(plan, base, knowledge, profiler))
    print_profile("Profile, full bot as configured", result, profiler, top=0)

    lifted_profiler = cProfile.Profile()
    with without_overall_limit():
        lifted = await bounded(lambda: run_full(plan, base, knowledge, lifted_profiler))
    print_profile("Profile, full bot with AIORateLimiter(overall_max_rate=0)", lifted, lifted_profiler, top=15)

    with without_overall_limit():
        plain = await bounded(lambda: run_full(plan, base, knowledge))
    pooled = sorted(plain.latencies_ms)
    reply_ms, record_ms = await part_costs(plan, base, knowledge)
    print_rows(
        "Diagnostic: full bot with AIORateLimiter(overall_max_rate=0), not profiled (one round)",
        [
            ("updates/s", f"{plain.per_second:.1f}  ({plain.per_second / echo_rate:.2f} x the echo bot's median)"),
            ("latency p50 / p95", f"{fmt_ms(percentile(pooled, 50))} / {fmt_ms(percentile(pooled, 95))} ms"),
            ("CPU busy", f"{plain.cpu_s / plain.wall_s * 100:.0f} %"),
            ("time per update", f"{1000 / plain.per_second:.2f} ms (echo bot: {1000 / echo_rate:.2f} ms)"),
            ("  of which engine.reply", f"{reply_ms:.2f} ms (mean, timed alone over the same questions)"),
            ("  of which Storage.record_event", f"{record_ms:.2f} ms (mean, timed alone, awaited)"),
        ],
    )


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


async def benchmark(args: argparse.Namespace, config: Config, knowledge: Knowledge) -> int:
    plan = Plan(updates=args.updates, chats=args.chats, burst=min(args.burst, args.chats))
    echo_results: list[RoundResult] = []
    full_results: list[RoundResult] = []
    for number in range(1, args.rounds + 1):
        echo_result = await bounded(lambda: run_echo(plan))
        echo_results.append(echo_result)
        full_result = await bounded(lambda: run_full(plan, config, knowledge))
        full_results.append(full_result)
        print(
            f"  round {number}/{args.rounds}: echo {echo_result.per_second:6.1f} updates/s, "
            f"full {full_result.per_second:6.1f} updates/s",
            flush=True,
        )
    print()
    echo = summarise("Bare PTB echo bot (MessageHandler(filters.TEXT) -> reply_text, no rate limiter)", echo_results, 0)
    full = summarise(
        "Full bot (build_application: handlers, engine, SQLite storage, AIORateLimiter(max_retries=3))",
        full_results,
        WARMUP_UPDATES,
    )
    print_summary(echo, echo_results)
    print_summary(full, full_results)
    ratio = print_comparison(echo, full)
    print_target(ratio)
    if args.profile:
        await profile_full(plan, config, knowledge, echo.per_second)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=200, help="timed text updates per round (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; each runs the echo bot, then the full bot")
    parser.add_argument("--chats", type=int, default=20, help="distinct private chats (default 20)")
    parser.add_argument("--burst", type=int, default=10, help="updates pushed at once, one per chat (default 10)")
    parser.add_argument("--profile", action="store_true", help="cProfile one more full-bot round, and diagnose")
    args = parser.parse_args()
    if min(args.updates, args.rounds, args.chats, args.burst) < 1:
        parser.error("--updates, --rounds, --chats and --burst must be at least 1")

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("telegram", "httpx", "httpcore", "aiohttp", "bot"):
        logging.getLogger(name).setLevel(logging.WARNING)
    local_only()
    os.chdir(ROOT)  # the default config and its knowledge folder are relative to the project root
    config_path = next((p for p in (ROOT / "config.yaml", ROOT / "config.example.yaml") if p.exists()), None)
    config, problems = load_config(config_path)
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
    print(
        f"Per round and bot: {args.updates} text updates from {args.chats} private chats, in bursts of {burst} "
        f"(one per chat; next burst after all replies), after {WARMUP_UPDATES} untimed warm-up updates."
    )
    print(f"Questions: {len(QUESTIONS)} fixed Dutch questions, cycled ({outcome_mix(config, knowledge)}).")
    print(
        "Both bots: concurrent_updates at PTB's default (1: one update at a time), polling a fresh fake Bot API "
        "on 127.0.0.1 per run, poll_interval=0, timeout=1."
    )
    print(f"Alternating: echo, full, echo, full, ... ({args.rounds} rounds of each).")
    print()
    return asyncio.run(benchmark(args, config, knowledge))


if __name__ == "__main__":
    raise SystemExit(main())

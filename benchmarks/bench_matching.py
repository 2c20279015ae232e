"""Measure how fast the bot matches questions, next to a bare rapidfuzz baseline (a tool, not a test).

What it measures, in this order:

1. The real knowledge base (the knowledge/ folder): the time to load the knowledge files and
   build the Engine (which builds the Matcher index), then the time per question, p50 and p95,
   of `engine.match(q)` and of the full `engine.reply(q)`. Next to it the bare baseline a naive
   implementation would use: `rapidfuzz.process.extractOne(q, phrasings)` over the same
   phrasings (every question and alternate of every entry, as plain strings) with the default
   scorer WRatio and `processor=rapidfuzz.utils.default_process`; and the ratio ours/bare at p50.
   The questions are --questions phrasings drawn at random (fixed seed) from the entries, each
   lightly perturbed (a word dropped, two letters swapped, lower-cased, or as written), with
   about 10 % off-topic Dutch sentences mixed in.
1b. Crisis screening (`engine.assess`) on its own: the typical messages of phase 1 plus the
   crisis development set (tests/data/crisis/dev.yaml), and 30 stories of 4,000 characters
   made of those messages. Next to the plain p50/p95 over every call, the p50/p95 of each
   message's fastest run, because this shared VM's noise only ever adds time.
2. A generated knowledge base of --entries entries (default 10 000, 9 phrasings each), built
   from the real knowledge base's vocabulary and reusing its contacts, synonyms, crisis lines,
   smalltalk and messages: index build time, then `engine.match` p50/p95 against bare
   extractOne over the same phrasings, and the ratio.
3. Process start to first answer: `python -m bot ask --json "wat doet een jongerenwerker?"` in
   a subprocess from the project root, run --starts times after one untimed run; the median
   wall time.
4. The peak RSS of this process after each phase, and the peak RSS of the `ask` subprocess.
   The latter is read from RUSAGE_CHILDREN in a small launcher process, because a direct
   child's ru_maxrss starts at this (large) process's peak on Linux.

At the end it prints the targets and whether each is met. With --profile it also splits the
time of `engine.match` into its stages (normalising, the rapidfuzz candidate search, the
Python rescoring of candidates) and prints cProfile's top functions, for both knowledge bases.

    python benchmarks/bench_matching.py
    python benchmarks/bench_matching.py --questions 300 --entries 10000 --repeat 1 --profile

Timings use time.perf_counter_ns, after a few untimed warm-up calls; every timed pass runs
over all questions once, and --repeat passes are pooled.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import io
import json
import math
import os
import platform
import pstats
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import rapidfuzz
import yaml
from rapidfuzz import fuzz, process, utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Config, find_config, load_config  # noqa: E402
from bot.engine import Engine, EngineSettings  # noqa: E402
from bot.knowledge import Entry, Knowledge, require_knowledge  # noqa: E402
from bot.text import fold  # noqa: E402

T = TypeVar("T")

SEED = 20240611
WARMUP_CALLS = 5
START_QUESTION = "wat doet een jongerenwerker?"
# A direct child's ru_maxrss starts at this process's peak (Linux keeps the high-water mark
# across fork and exec), so the bot's own peak is taken as a grandchild of this small launcher.
RSS_LAUNCHER = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)

# Questions the knowledge base does not cover; a realistic share of what people type.
OFF_TOPIC = (
    "Hoe laat gaat de supermarkt vanavond dicht?",
    "Wat wordt het weer morgen in Utrecht?",
    "Ik zoek een goed recept voor appeltaart",
    "Hoe vraag ik een nieuw paspoort aan bij de gemeente?",
    "Wie heeft de wedstrijd van Ajax gisteren gewonnen?",
    "Mijn fiets is gestolen bij het station, wat moet ik doen?",
    "Kun je een gedicht schrijven over de zee?",
    "Welke trein gaat er naar Amsterdam Centraal?",
    "Hoeveel kost een abonnement op de sportschool?",
    "Waar kan ik mijn oude koelkast kwijt?",
)
OFF_TOPIC_SHARE = 0.1

# Targets as in the README.
TARGET_REAL_P50_MS = 1.0
TARGET_LARGE_P50_MS = 10.0
TARGET_RATIO = 3.0
TARGET_START_MS = 1000.0
TARGET_SCREEN_P50_MS = 0.3
TARGET_SCREEN_LONG_P50_MS = 3.0
LONG_CHARS = 4000
LONG_MESSAGES = 30
CRISIS_SET = ROOT / "tests" / "data" / "crisis" / "dev.yaml"

# Building blocks for generated questions: a question opening and content words after it.
OPENINGS = (
    "hoe",
    "wat is",
    "wat doet",
    "kan ik",
    "waar vind ik",
    "wie helpt bij",
    "mag ik",
    "wanneer",
    "waarom",
    "hoe werkt",
    "wat moet ik doen met",
    "ik heb een vraag over",
    "help bij",
    "informatie over",
)
ALTERNATES_PER_ENTRY = 8
ANSWER_CHARS = 300


@dataclass(frozen=True, slots=True)
class Stats:
    """Per-call timings of one thing, in milliseconds."""

    p50: float
    p95: float
    calls: int


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    value: str


# --- measuring ------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def time_calls(call: Callable[[str], object], questions: Sequence[str], repeat: int) -> Stats:
    """Warm up, then time `call` on every question `repeat` times; p50 and p95 in ms."""
    for question in questions[:WARMUP_CALLS]:
        call(question)
    gc.collect()
    samples: list[float] = []
    clock = time.perf_counter_ns
    for _ in range(repeat):
        for question in questions:
            start = clock()
            call(question)
            samples.append((clock() - start) / 1e6)
    samples.sort()
    return Stats(percentile(samples, 50), percentile(samples, 95), len(samples))


def time_best(call: Callable[[str], object], items: Sequence[str], repeat: int) -> Stats:
    """Per item the fastest of `repeat` calls (a shared VM's noise only ever adds), then p50 and p95."""
    for item in items[:WARMUP_CALLS]:
        call(item)
    gc.collect()
    best: list[float] = []
    clock = time.perf_counter_ns
    for item in items:
        fastest = math.inf
        for _ in range(repeat):
            start = clock()
            call(item)
            fastest = min(fastest, (clock() - start) / 1e6)
        best.append(fastest)
    best.sort()
    return Stats(percentile(best, 50), percentile(best, 95), len(best) * repeat)


def long_messages(texts: Sequence[str], rng: random.Random) -> list[str]:
    """Stories of about `LONG_CHARS` characters, made of messages people wrote (crisis and not)."""
    stories = []
    for _ in range(LONG_MESSAGES):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < LONG_CHARS:
            parts.append(rng.choice(texts))
        stories.append(" ".join(parts)[:LONG_CHARS])
    return stories


def timed_ms(build: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter_ns()
    value = build()
    return value, (time.perf_counter_ns() - start) / 1e6


def maxrss_mib(maxrss: int) -> float:
    """ru_maxrss in MiB; it is in KiB on Linux (bytes on macOS)."""
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far."""
    return maxrss_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def bare_matcher(phrasings: list[str]) -> Callable[[str], object]:
    """What a naive implementation would do: extractOne with rapidfuzz's defaults."""

    def bare(question: str) -> object:
        return process.extractOne(question, phrasings, scorer=fuzz.WRatio, processor=utils.default_process)

    return bare


# --- questions ------------------------------------------------------------------------


def perturb(text: str, rng: random.Random) -> str:
    """One light change a person might make: drop a word, swap two letters, lower-case, or none."""
    words = text.split()
    kind = rng.choice(("drop", "swap", "lower", "none"))
    if kind == "drop" and len(words) >= 3:
        del words[rng.randrange(len(words))]
        return " ".join(words)
    if kind == "swap":
        long_words = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        if long_words:
            i = rng.choice(long_words)
            word = words[i]
            j = rng.randrange(1, len(word) - 2)  # keep the first letter, like most typos
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
            return " ".join(words)
    if kind == "lower":
        return text.lower()
    return text


def make_questions(phrasings: Sequence[str], count: int, rng: random.Random) -> list[str]:
    """`count` questions: perturbed phrasings with about 10 % off-topic sentences, shuffled."""
    off_topic = max(1, round(count * OFF_TOPIC_SHARE))
    questions = [perturb(rng.choice(phrasings), rng) for _ in range(count - off_topic)]
    questions.extend(OFF_TOPIC[i % len(OFF_TOPIC)] for i in range(off_topic))
    rng.shuffle(questions)
    return questions


def all_phrasings(knowledge: Knowledge) -> list[str]:
    return [p for entry in knowledge.entries for p in entry.phrasings]


# --- a generated knowledge base -------------------------------------------------------


def vocabulary(knowledge: Knowledge) -> list[str]:
    """The content words of the real knowledge base (no stop words, at least 4 letters), sorted."""
    words: set[str] = set()
    for entry in knowledge.entries:
        for text in (*entry.phrasings, entry.answer):
            words.update(w for w in fold(text).split() if len(w) >= 4 and w.isalpha())
    return sorted(words - knowledge.language.stopwords)


def generate_entries(knowledge: Knowledge, count: int, rng: random.Random) -> list[Entry]:
    """`count` entries of a question, 8 alternates and a ~300-character answer each."""
    words = vocabulary(knowledge)
    entries: list[Entry] = []
    for number in range(1, count + 1):
        subject = rng.sample(words, 6)

        def phrasing(subject: list[str] = subject) -> str:
            picked = rng.sample(subject, rng.randint(2, 4))
            if rng.random() < 0.3:
                picked.append(rng.choice(words))  # people add a word of their own
            return f"{rng.choice(OPENINGS)} {' '.join(picked)}"

        question = phrasing().capitalize() + "?"
        alternates = tuple(phrasing() for _ in range(ALTERNATES_PER_ENTRY))
        sentences: list[str] = []
        while sum(len(s) + 1 for s in sentences) < ANSWER_CHARS:
            sentence = rng.sample(subject, 2) + rng.sample(words, rng.randint(4, 8))
            sentences.append(" ".join(sentence).capitalize() + ".")
        answer = " ".join(sentences)[:ANSWER_CHARS].rsplit(" ", 1)[0] + "."
        entry_id = f"gen-{number:05d}"
        entries.append(
            Entry(
                id=entry_id,
                question=question,
                alternates=alternates,
                answer=answer,
                topic=f"Onderwerp {number % 25 + 1}",
                audience="both",
                related=(),
                source="generated",
                file="generated.yaml",
                line=number,
            )
        )
    return entries


# --- the phases -----------------------------------------------------------------------


def engine_settings(config: Config) -> EngineSettings:
    return EngineSettings(config.matching, config.max_question_chars)


def fmt_ms(value: float) -> str:
    """Milliseconds with sensible precision: 0.123, 1.23, 12.3, 123."""
    if value < 1:
        return f"{value:.3f}"
    if value < 10:
        return f"{value:.2f}"
    if value < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def timing_rows(label: str, stats: Stats) -> Row:
    return Row(label, f"p50 {fmt_ms(stats.p50):>7} ms   p95 {fmt_ms(stats.p95):>7} ms   ({stats.calls} calls)")


def print_section(title: str, rows: Sequence[Row]) -> None:
    print(title)
    width = max(len(r.label) for r in rows) + 2
    for row in rows:
        print(f"  {row.label:<{width}}{row.value}")
    print()


@dataclass(frozen=True, slots=True)
class Results:
    real_match: Stats
    real_bare: Stats
    large_match: Stats
    large_bare: Stats
    large_entries: int
    start_ms: float
    screen: Stats
    screen_long: Stats


def phase_real(config: Config, questions_n: int, repeat: int, profile: bool) -> tuple[Knowledge, Stats, Stats]:
    knowledge, load_ms = timed_ms(lambda: require_knowledge(config.knowledge_dir))
    engine, index_ms = timed_ms(lambda: Engine(knowledge, engine_settings(config)))
    phrasings = all_phrasings(knowledge)
    questions = make_questions(phrasings, questions_n, random.Random(SEED))
    match = time_calls(engine.match, questions, repeat)
    reply = time_calls(engine.reply, questions, repeat)
    bare = time_calls(bare_matcher(phrasings), questions, repeat)
    # Load and index again now that imports and caches are warm: what a reload costs.
    warm_ms = statistics.median(
        timed_ms(lambda: Engine(require_knowledge(config.knowledge_dir), engine_settings(config)))[1] for _ in range(3)
    )
    print_section(
        f"1. Real knowledge base: {len(knowledge.entries)} entries, {len(phrasings)} phrasings, "
        f"{len(questions)} questions",
        [
            Row("load knowledge", f"{fmt_ms(load_ms)} ms"),
            Row("build engine (index)", f"{fmt_ms(index_ms)} ms"),
            Row("load + index, first", f"{fmt_ms(load_ms + index_ms)} ms"),
            Row("load + index, reload", f"{fmt_ms(warm_ms)} ms (median of 3)"),
            timing_rows("engine.match", match),
            timing_rows("engine.reply", reply),
            timing_rows("bare extractOne", bare),
            Row("ratio match/bare (p50)", f"{match.p50 / bare.p50:.1f}x"),
            Row("ratio reply/bare (p50)", f"{reply.p50 / bare.p50:.1f}x"),
            Row("peak RSS so far", f"{peak_rss_mib():.1f} MiB"),
        ],
    )
    if profile:
        profile_match(engine, questions, "real knowledge base")
    return knowledge, match, bare


def phase_screening(config: Config, knowledge: Knowledge, questions_n: int, repeat: int) -> tuple[Stats, Stats]:
    """Crisis recognition alone: typical messages and stories of 4,000 characters."""
    engine = Engine(knowledge, engine_settings(config))
    crisis_texts = [str(m["text"]) for m in yaml.safe_load(CRISIS_SET.read_text(encoding="utf-8"))["messages"]]
    rng = random.Random(SEED + 2)
    typical = make_questions(all_phrasings(knowledge), questions_n, rng) + crisis_texts
    stories = long_messages(crisis_texts + all_phrasings(knowledge), rng)
    plain = time_calls(engine.assess, typical, repeat)
    best = time_best(engine.assess, typical, max(repeat, 3))
    long_plain = time_calls(engine.assess, stories, max(repeat, 3))
    long_best = time_best(engine.assess, stories, max(repeat, 5))
    print_section(
        f"1b. Crisis screening (engine.assess): {len(typical)} typical messages ({len(crisis_texts)} from the "
        f"crisis development set), {len(stories)} stories of {LONG_CHARS} characters",
        [
            timing_rows("typical message", plain),
            timing_rows("typical, best of runs", best),
            timing_rows(f"{LONG_CHARS} characters", long_plain),
            timing_rows(f"{LONG_CHARS} characters, best of runs", long_best),
        ],
    )
    return best, long_best


def phase_large(
    knowledge: Knowledge, config: Config, entries_n: int, questions_n: int, repeat: int, profile: bool
) -> tuple[Stats, Stats]:
    rng = random.Random(SEED + 1)
    generated, gen_ms = timed_ms(lambda: generate_entries(knowledge, entries_n, rng))
    large = dataclasses.replace(knowledge, entries=tuple(generated), by_id={})  # __post_init__ rebuilds by_id
    assert len(large.by_id) == len(generated)
    engine, index_ms = timed_ms(lambda: Engine(large, engine_settings(config)))
    phrasings = all_phrasings(large)
    questions = make_questions(phrasings, questions_n, rng)
    match = time_calls(engine.match, questions, repeat)
    bare = time_calls(bare_matcher(phrasings), questions, repeat)
    print_section(
        f"2. Generated knowledge base: {len(generated)} entries, {len(phrasings)} phrasings, "
        f"{len(questions)} questions",
        [
            Row("generate entries", f"{fmt_ms(gen_ms)} ms (not part of the bot)"),
            Row("build engine (index)", f"{fmt_ms(index_ms)} ms"),
            timing_rows("engine.match", match),
            timing_rows("bare extractOne", bare),
            Row("ratio match/bare (p50)", f"{match.p50 / bare.p50:.1f}x"),
            Row("peak RSS so far", f"{peak_rss_mib():.1f} MiB"),
        ],
    )
    if profile:
        profile_match(engine, questions[:100], f"{len(generated)} generated entries")
    return match, bare


def profile_match(engine: Engine, questions: Sequence[str], label: str) -> None:
    """Where engine.match spends its time: per stage (median ms per question), then cProfile."""
    matcher = engine.matcher
    clock = time.perf_counter_ns
    analyse: list[float] = []
    search: list[float] = []
    rest: list[float] = []
    candidates: list[int] = []
    for question in questions:
        text = question[: engine.settings.max_question_chars]
        t0 = clock()
        analysis = matcher.normaliser.analyse(text)
        t1 = clock()
        if analysis.terms:  # the candidate search inside Matcher.match, repeated on its own
            process.extract(
                " ".join(analysis.terms),
                matcher._phrasing_text,
                scorer=fuzz.token_set_ratio,
                processor=None,
                limit=matcher.settings.candidate_limit,
            )
        t2 = clock()
        result = engine.match(question)
        t3 = clock()
        analyse.append((t1 - t0) / 1e6)
        search.append((t2 - t1) / 1e6)
        rest.append(max(0.0, (t3 - t2) - (t2 - t0)) / 1e6)
        candidates.append(len(result.candidates))
    print_section(
        f"Where engine.match spends its time, {label} (median per question over {len(questions)} questions)",
        [
            Row("normalise (fold, synonyms, typos, stem)", f"{fmt_ms(statistics.median(analyse))} ms"),
            Row("candidate search (process.extract, C++)", f"{fmt_ms(statistics.median(search))} ms"),
            Row("rescoring candidates (Python loop)", f"{fmt_ms(statistics.median(rest))} ms"),
            Row("candidate entries rescored", f"{statistics.median(candidates):.0f}"),
        ],
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for question in questions:
        engine.match(question)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(pstats.SortKey.TIME).print_stats(12)
    print(f"cProfile of engine.match, {label}, top functions by own time")
    print("(rapidfuzz's compiled functions are invisible to cProfile; their time is in match's own time)")
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    for line in lines[start:]:
        print(f"  {line}")
    print()


def phase_start(runs: int) -> float:
    command = [sys.executable, "-m", "bot", "ask", "--json", START_QUESTION]
    walls: list[float] = []
    outcome = ""
    for run in range(runs + 1):
        start = time.perf_counter_ns()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        wall = (time.perf_counter_ns() - start) / 1e6
        outcome = str(json.loads(done.stdout.splitlines()[0])["outcome"])
        if run:  # the first run only warms the file cache
            walls.append(wall)
    median = statistics.median(walls)
    launched = subprocess.run(
        [sys.executable, "-c", RSS_LAUNCHER, *command], cwd=ROOT, capture_output=True, text=True, check=True
    )
    child_mib = maxrss_mib(int(launched.stdout.split()[-1]))
    direct_mib = maxrss_mib(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print_section(
        f"3. Process start to first answer: python -m bot ask --json {START_QUESTION!r} ({runs} runs)",
        [
            Row("median wall time", f"{fmt_ms(median)} ms (min {fmt_ms(min(walls))}, max {fmt_ms(max(walls))})"),
            Row("outcome", outcome),
            Row("peak RSS of the subprocess", f"{child_mib:.1f} MiB"),
            Row("  RUSAGE_CHILDREN of the direct runs", f"{direct_mib:.1f} MiB (inherits this process's peak)"),
            Row("peak RSS of this process", f"{peak_rss_mib():.1f} MiB"),
        ],
    )
    return median


def print_targets(results: Results) -> None:
    real_ratio = results.real_match.p50 / results.real_bare.p50
    large_ratio = results.large_match.p50 / results.large_bare.p50
    checks = (
        ("real KB: match p50 <= 1 ms", results.real_match.p50, TARGET_REAL_P50_MS, f"{results.real_match.p50:.2f} ms"),
        (
            f"{results.large_entries} entries: match p50 <= 10 ms",
            results.large_match.p50,
            TARGET_LARGE_P50_MS,
            f"{results.large_match.p50:.1f} ms",
        ),
        ("real KB: match <= 3x bare extractOne (p50)", real_ratio, TARGET_RATIO, f"{real_ratio:.1f}x"),
        (
            f"{results.large_entries} entries: match <= 3x bare extractOne (p50)",
            large_ratio,
            TARGET_RATIO,
            f"{large_ratio:.1f}x",
        ),
        ("process start to first answer <= 1 s", results.start_ms, TARGET_START_MS, f"{results.start_ms:.0f} ms"),
        (
            "crisis screening, typical message: p50 <= 0.3 ms",
            results.screen.p50,
            TARGET_SCREEN_P50_MS,
            f"{results.screen.p50:.3f} ms",
        ),
        (
            f"crisis screening, {LONG_CHARS} characters: p50 <= 3 ms",
            results.screen_long.p50,
            TARGET_SCREEN_LONG_P50_MS,
            f"{results.screen_long.p50:.2f} ms",
        ),
    )
    rows = []
    for label, value, target, shown in checks:
        verdict = "met" if value <= target else f"MISSED by {value / target:.1f}x"
        rows.append(Row(label, f"{shown:>9}   {verdict}"))
    print_section("Targets", rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=300, help="questions per knowledge base (default 300)")
    parser.add_argument("--entries", type=int, default=10_000, help="entries in the generated KB (default 10000)")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes over the questions (default 1)")
    parser.add_argument("--starts", type=int, default=5, help="timed process starts (default 5)")
    parser.add_argument("--profile", action="store_true", help="break engine.match down by stage and cProfile it")
    args = parser.parse_args()
    if min(args.questions, args.entries, args.repeat, args.starts) < 1:
        parser.error("--questions, --entries, --repeat and --starts must be at least 1")

    os.chdir(ROOT)  # display paths and the default config are relative to the project root
    config, problems = load_config(find_config(None))  # as the bot finds it: $JEPBOT_CONFIG, config.yaml, example
    if config is None:
        for problem in problems:
            print(problem.format(), file=sys.stderr)
        return 1
    print(
        f"Matching benchmark: Python {platform.python_version()}, rapidfuzz {rapidfuzz.__version__}, "
        f"{os.cpu_count()} CPUs, config {config.source}, seed {SEED}"
    )
    print(f"Peak RSS after imports: {peak_rss_mib():.1f} MiB")
    print()
    knowledge, real_match, real_bare = phase_real(config, args.questions, args.repeat, args.profile)
    screen, screen_long = phase_screening(config, knowledge, args.questions, args.repeat)
    large_match, large_bare = phase_large(knowledge, config, args.entries, args.questions, args.repeat, args.profile)
    start_ms = phase_start(args.starts)
    print_targets(Results(real_match, real_bare, large_match, large_bare, args.entries, start_ms, screen, screen_long))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

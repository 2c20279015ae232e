"""The staff review report: what the bot did, what it could not answer, and which answers disappoint.

`python -m bot report [--days N] [--html FILE]` calls `build_report` and then `render_text`
(terminal) or `write_html` (one self-contained HTML file with inline SVG charts, to open in
a browser). The report shows, for the last N days (Europe/Amsterdam dates, today included):

* the replies per day by outcome (answered, clarified, escalated, crisis, smalltalk);
* the escalated and clarified questions, similar ones grouped, most frequent first, each
  with a suggestion: "add as an alternate of <entry>" when an existing entry comes close,
  else "new entry";
* the entries with the most 👎, and the 👍/👎 totals;
* the entries nobody used: no reply and no feedback in the period.

The database is opened read-only (the running bot is not disturbed and nothing is ever
written). Question text comes from the public: the HTML escapes all of it, the terminal
text drops control characters.

This module is part of the core: it must not import telegram.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import math
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

from .knowledge import Knowledge
from .matching import Matcher
from .text import fold

TIMEZONE_NAME = "Europe/Amsterdam"
TIMEZONE = ZoneInfo(TIMEZONE_NAME)
DEFAULT_DAYS = 30
# The outcomes in the order the report shows them, with their staff-facing labels.
OUTCOMES = ("answer", "clarify", "escalate", "crisis", "smalltalk")
OUTCOME_LABELS: Mapping[str, str] = {
    "answer": "answered",
    "clarify": "clarified",
    "escalate": "escalated",
    "crisis": "crisis",
    "smalltalk": "smalltalk",
}
# Outcomes whose question text the bot keeps for review.
REVIEW_OUTCOMES = ("escalate", "clarify")
# Okabe-Ito colours: tell apart with most kinds of colour blindness.
OUTCOME_COLOURS: Mapping[str, str] = {
    "answer": "#009E73",
    "clarify": "#E69F00",
    "escalate": "#D55E00",
    "crisis": "#7B2D8E",
    "smalltalk": "#999999",
}
HELPFUL_COLOUR = "#009E73"
UNHELPFUL_COLOUR = "#D55E00"
# Two questions are "similar" from this score (0-100) on: the mean of rapidfuzz's
# token_set_ratio and token_sort_ratio on folded text. token_set_ratio alone calls a
# question 100 % similar to any longer one containing all its words ("school" and "mijn zoon
# wordt gepest op school"); the sort ratio keeps such pairs apart.
GROUP_THRESHOLD = 70.0
# … and it must be at least this similar to the group's first (most frequent) question.
LEADER_FLOOR = 50.0
_RATIO_CUTOFF = 2 * GROUP_THRESHOLD - 100
# The closest existing entry is suggested from this matcher score (0-100) on.
GUESS_MIN_SCORE = 40.0
MAX_DISLIKED = 10
TEXT_MAX_GROUPS = 30
HTML_MAX_GROUPS = 200
TEXT_MAX_QUESTION_CHARS = 100
REMOVED_ENTRY = "(removed entry)"


class Period(NamedTuple):
    """The days the report covers, both ends included, as Europe/Amsterdam dates."""

    start: dt.date
    end: dt.date
    days: int


class DayCounts(NamedTuple):
    """One day: outcome → number of replies (every known outcome present, zero included)."""

    day: dt.date
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Escalated or clarified questions that are alike: a candidate new entry or new alternates."""

    example: str  # the most frequent wording in the group
    questions: tuple[str, ...]  # every distinct wording (case and punctuation aside), most frequent first
    count: int  # how often the group was asked (repeats included)
    outcomes: Mapping[str, int]  # "escalate"/"clarify" → how often
    best_faq_id_guess: str | None  # the closest existing entry, None if nothing comes close
    guess_question: str | None = None  # that entry's question
    guess_score: float | None = None  # the matcher's score for the example against it

    @property
    def suggestion(self) -> str:
        if self.best_faq_id_guess is None:
            return "new entry (no existing entry comes close)"
        return f"add as an alternate of '{self.best_faq_id_guess}' (score {self.guess_score or 0:.0f})"


class DislikedEntry(NamedTuple):
    faq_id: str
    question: str  # from the knowledge base, or REMOVED_ENTRY
    helpful: int
    unhelpful: int


class UnusedEntry(NamedTuple):
    faq_id: str
    question: str
    topic: str


class Satisfaction(NamedTuple):
    helpful: int
    unhelpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.unhelpful

    @property
    def helpful_share(self) -> float | None:
        """Share of 👍 among all presses, None without feedback."""
        return self.helpful / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Report:
    period: Period
    per_day: tuple[DayCounts, ...]  # every day of the period, oldest first
    totals: Mapping[str, int]  # outcome → replies in the period (unknown outcomes included)
    groups: tuple[QuestionGroup, ...]  # most frequent first
    most_disliked: tuple[DislikedEntry, ...]  # most 👎 first
    never_used: tuple[UnusedEntry, ...]  # in knowledge-base order
    satisfaction: Satisfaction
    notes: tuple[str, ...] = ()  # things staff should know when reading the figures
    source: str = ""  # the database read
    questions_without_text: int = 0  # escalated/clarified replies whose text was not kept

    @property
    def total_replies(self) -> int:
        return sum(self.totals.values())


class ReportError(Exception):
    """The database exists but cannot be read; the message says what to do."""


class _Rows(NamedTuple):
    events: list[tuple[dt.date, str, str | None, str | None]]  # day, outcome, faq_id, question
    feedback: list[tuple[dt.date, str, bool]]  # day, faq_id, helpful
    notes: list[str]


def build_report(
    db_path: Path,
    knowledge: Knowledge,
    days: int = DEFAULT_DAYS,
    today: dt.date | None = None,
    *,
    matcher: Matcher | None = None,
) -> Report:
    """The report for the `days` days up to and including `today` (default: today in Amsterdam).

    A missing database gives an empty report with a note. Raises `ReportError` when the file
    exists but cannot be read as a database, and ValueError when `days` is below 1.
    Pass `matcher` to reuse an existing one (e.g. `engine.matcher`); else one is built.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    end = today or dt.datetime.now(TIMEZONE).date()
    start = end - dt.timedelta(days=days - 1)
    period = Period(start, end, days)
    if not db_path.exists():
        return _empty_report(
            period,
            str(db_path),
            f"No database at {db_path}: nothing has been recorded yet. "
            "The bot creates it when it starts; check storage.path in the config.",
        )
    rows = _read_rows(db_path, start, end)
    notes = list(rows.notes)

    day_counts: dict[dt.date, Counter[str]] = {start + dt.timedelta(days=i): Counter() for i in range(days)}
    totals: Counter[str] = Counter(dict.fromkeys(OUTCOMES, 0))
    used: set[str] = set()
    review: list[tuple[str, str]] = []
    without_text = 0
    for day, outcome, faq_id, question in rows.events:
        day_counts[day][outcome] += 1
        totals[outcome] += 1
        if faq_id:
            used.add(faq_id)
        if outcome in REVIEW_OUTCOMES:
            text = " ".join((question or "").split())
            if text:
                review.append((text, outcome))
            else:
                without_text += 1
    unknown = sorted(o for o in totals if o not in OUTCOMES)
    if unknown:
        notes.append(
            f"{sum(totals[o] for o in unknown)} replies with an unknown outcome ({', '.join(unknown)}) "
            "are counted in the totals only."
        )
    if without_text:
        notes.append(
            f"{without_text} escalated or clarified replies have no question text "
            "(storage.store_question_text is off, or the text was empty); they are counted but not grouped."
        )
    per_day = tuple(DayCounts(day, {o: counts[o] for o in OUTCOMES}) for day, counts in sorted(day_counts.items()))

    helpful: Counter[str] = Counter()
    unhelpful: Counter[str] = Counter()
    for _day, faq_id, was_helpful in rows.feedback:
        used.add(faq_id)
        (helpful if was_helpful else unhelpful)[faq_id] += 1
    disliked = sorted(unhelpful, key=lambda f: (-unhelpful[f], helpful[f], f))[:MAX_DISLIKED]
    most_disliked = tuple(DislikedEntry(f, _entry_question(knowledge, f), helpful[f], unhelpful[f]) for f in disliked)
    never_used = tuple(UnusedEntry(e.id, e.question, e.topic) for e in knowledge.entries if e.id not in used)

    return Report(
        period=period,
        per_day=per_day,
        totals=dict(totals),
        groups=group_questions(review, matcher or Matcher(knowledge)),
        most_disliked=most_disliked,
        never_used=never_used,
        satisfaction=Satisfaction(sum(helpful.values()), sum(unhelpful.values())),
        notes=tuple(notes),
        source=str(db_path),
        questions_without_text=without_text,
    )


def _empty_report(period: Period, source: str, note: str) -> Report:
    zero = dict.fromkeys(OUTCOMES, 0)
    return Report(
        period=period,
        per_day=tuple(DayCounts(period.start + dt.timedelta(days=i), dict(zero)) for i in range(period.days)),
        totals=dict(zero),
        groups=(),
        most_disliked=(),
        never_used=(),
        satisfaction=Satisfaction(0, 0),
        notes=(note,),
        source=source,
    )


def _entry_question(knowledge: Knowledge, faq_id: str) -> str:
    entry = knowledge.get(faq_id)
    return entry.question if entry else REMOVED_ENTRY


# --- reading the database ------------------------------------------------------------


def _read_rows(db_path: Path, start: dt.date, end: dt.date) -> _Rows:
    """Events and feedback whose Amsterdam date lies in [start, end], read without writing anything."""
    uri = db_path.resolve().as_uri() + "?mode=ro"
    # Times are UTC text; Amsterdam is UTC+1 or +2, so a local day starts on the UTC day before.
    # This coarse text range uses the index; the exact local date is checked per row.
    low, high = (start - dt.timedelta(days=1)).isoformat(), (end + dt.timedelta(days=2)).isoformat()
    notes: list[str] = []
    events: list[tuple[dt.date, str, str | None, str | None]] = []
    feedback: list[tuple[dt.date, str, bool]] = []
    bad_times = 0
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as conn:
            tables = {str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in ("events", "feedback") if t not in tables]
            if missing:
                notes.append(
                    f"The database {db_path} has no {' or '.join(missing)} table yet: "
                    "the bot has not recorded anything there."
                )
            if "events" in tables:
                for created, outcome, faq_id, question in conn.execute(
                    "SELECT created_at, outcome, faq_id, question FROM events "
                    "WHERE created_at >= ? AND created_at < ? ORDER BY id",
                    (low, high),
                ):
                    day = _local_date(created)
                    if day is None:
                        bad_times += 1
                    elif start <= day <= end:
                        events.append((day, str(outcome), _text_or_none(faq_id), _text_or_none(question)))
            if "feedback" in tables:
                for created, faq_id, helpful in conn.execute(
                    "SELECT created_at, faq_id, helpful FROM feedback WHERE created_at >= ? AND created_at < ? "
                    "ORDER BY id",
                    (low, high),
                ):
                    day = _local_date(created)
                    if day is None:
                        bad_times += 1
                    elif start <= day <= end:
                        feedback.append((day, str(faq_id), bool(helpful)))
    except sqlite3.Error as exc:
        raise ReportError(
            f"Cannot read the database {db_path}: {exc}. Check that storage.path points at the bot's "
            "SQLite file and that you may read it."
        ) from exc
    if bad_times:
        notes.append(f"{bad_times} rows with an unreadable time were left out.")
    return _Rows(events, feedback, notes)


def _local_date(value: object) -> dt.date | None:
    """The Amsterdam date of a stored UTC time; a time without zone is taken as UTC."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(TIMEZONE).date()


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


# --- grouping questions ----------------------------------------------------------------


def similarity(a: str, b: str) -> float:
    """How alike two folded questions are, 0-100 (see GROUP_THRESHOLD)."""
    if not a or not b:
        return 100.0 if a == b else 0.0
    return (fuzz.token_set_ratio(a, b, processor=None) + fuzz.token_sort_ratio(a, b, processor=None)) / 2


def _similar(key: str, texts: Sequence[str]) -> dict[int, float]:
    """Index → similarity of the texts at least GROUP_THRESHOLD similar to `key`.

    The mean reaches the threshold only if both ratios reach 2 × threshold - 100, so
    rapidfuzz filters in C first; the mean is taken for what is left.
    """
    sort_scores = {
        i: s
        for _t, s, i in process.extract(
            key, texts, scorer=fuzz.token_sort_ratio, processor=None, score_cutoff=_RATIO_CUTOFF, limit=None
        )
    }
    found = {}
    for _text, set_score, index in process.extract(
        key, texts, scorer=fuzz.token_set_ratio, processor=None, score_cutoff=_RATIO_CUTOFF, limit=None
    ):
        if index in sort_scores and (score := (set_score + sort_scores[index]) / 2) >= GROUP_THRESHOLD:
            found[index] = score
    return found


def group_questions(questions: Iterable[tuple[str, str]], matcher: Matcher) -> tuple[QuestionGroup, ...]:
    """Group (question, outcome) pairs by similarity, most frequent group first.

    Questions that fold to the same text are one wording. Wordings are taken most frequent
    first (ties alphabetically); each joins the group of the most similar wording placed so
    far if that reaches GROUP_THRESHOLD and the group's first wording (its leader) is at least
    LEADER_FLOOR similar, else it leads a new group. The floor keeps chains (a ~ b ~ c ~ d)
    from pulling unrelated questions together. Deterministic for the same input, whatever its order.
    """
    originals: dict[str, Counter[str]] = {}
    outcomes: dict[str, Counter[str]] = {}
    for text, outcome in questions:
        key = fold(text)
        originals.setdefault(key, Counter())[text] += 1
        outcomes.setdefault(key, Counter())[outcome] += 1
    keys = sorted(originals, key=lambda k: (-originals[k].total(), k))

    members: list[list[str]] = []  # group → its folded wordings, the leader (most frequent) first
    seen: list[str] = []  # every folded wording placed so far
    seen_group: list[int] = []  # … and the group it went to
    for key in keys:
        best_group, best_score = -1, -1.0
        if key:
            for index, score in _similar(key, seen).items():
                group = seen_group[index]
                if (score > best_score or (score == best_score and group < best_group)) and similarity(
                    key, members[group][0]
                ) >= LEADER_FLOOR:
                    best_group, best_score = group, score
        if best_group < 0:
            best_group = len(members)
            members.append([])
        members[best_group].append(key)
        seen.append(key)
        seen_group.append(best_group)

    groups = []
    for keys_in_group in members:
        # One wording per folded text (its most frequent spelling), in the order they were placed:
        # most frequent first, so the first is the group's example.
        wordings = tuple(min(originals[k], key=lambda t: (-originals[k][t], t)) for k in keys_in_group)
        kinds: Counter[str] = Counter()
        for key in keys_in_group:
            kinds.update(outcomes[key])
        example = wordings[0]
        best = matcher.match(example).best
        guess = best if best is not None and best.score >= GUESS_MIN_SCORE else None
        groups.append(
            QuestionGroup(
                example=example,
                questions=wordings,
                count=sum(originals[k].total() for k in keys_in_group),
                outcomes={o: kinds[o] for o in sorted(kinds, key=lambda o: (-kinds[o], o))},
                best_faq_id_guess=guess.entry.id if guess else None,
                guess_question=guess.entry.question if guess else None,
                guess_score=guess.score if guess else None,
            )
        )
    groups.sort(key=lambda g: (-g.count, fold(g.example), g.example))
    return tuple(groups)


# --- terminal text -------------------------------------------------------------------------


_BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


def clean(text: str) -> str:
    """User text safe to show on one line: line breaks and tabs become spaces; control characters
    (terminal escape sequences) and bidirectional overrides (text that displays reversed) are dropped."""
    kept = (
        " " if ch.isspace() else "" if unicodedata.category(ch) == "Cc" or ord(ch) in _BIDI_CONTROLS else ch
        for ch in text
    )
    return " ".join("".join(kept).split())


def _short(text: str, limit: int = TEXT_MAX_QUESTION_CHARS) -> str:
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _outcome_summary(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {OUTCOME_LABELS.get(o, o)}" for o, n in counts.items() if n)


def _satisfaction_line(s: Satisfaction) -> str:
    if not s.total:
        return "Feedback: no 👍 or 👎 in this period."
    share = s.helpful_share or 0.0
    return f"Feedback: {s.helpful} × 👍, {s.unhelpful} × 👎 ({share:.0%} helpful)."


def _period_line(report: Report) -> str:
    p = report.period
    return f"Period: {p.start.isoformat()} to {p.end.isoformat()} ({p.days} days, {TIMEZONE_NAME} dates)"


def render_text(report: Report) -> str:
    """The report for the terminal: per-day table, question groups, most 👎, never-used entries."""
    lines = ["JEP advice-line assistant: staff report", _period_line(report)]
    if report.source:
        lines.append(f"Database: {report.source}")
    lines.extend(f"Note: {note}" for note in report.notes)
    lines.append("")
    totals = {o: report.totals.get(o, 0) for o in OUTCOMES}
    lines.append(
        f"Replies: {report.total_replies}" + (f" ({_outcome_summary(totals)})" if report.total_replies else "")
    )
    lines.append(_satisfaction_line(report.satisfaction))

    lines += ["", "Replies per day", ""]
    headers = ["date", *(OUTCOME_LABELS[o] for o in OUTCOMES), "total"]
    widths = [max(10, len(h)) for h in headers]
    rows = [[d.day.isoformat(), *(str(d.counts.get(o, 0)) for o in OUTCOMES), str(d.total)] for d in report.per_day]
    rows.append(["total", *(str(totals[o]) for o in OUTCOMES), str(report.total_replies)])

    def row(cells: Sequence[str]) -> str:
        first, *rest = cells
        return "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])

    lines.append(row(headers))
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(row(r) for r in rows[:-1])
    lines.append("  ".join("-" * w for w in widths))
    lines.append(row(rows[-1]))

    lines += ["", "Questions the bot could not answer (escalated or clarified), similar ones together", ""]
    if not report.groups:
        lines.append("  None in this period.")
    for group in report.groups[:TEXT_MAX_GROUPS]:
        lines.append(f"{group.count:>5}×  {_short(group.example)}")
        lines.append(f"        → {group.suggestion}")
        if group.guess_question:
            lines.append(f"          {_short(group.guess_question)}")
        lines.append(f"        {_outcome_summary(group.outcomes)}")
        others = group.questions[1:]
        for text in others[:5]:
            lines.append(f"        also: {_short(text)}")
        if len(others) > 5:
            lines.append(f"        … and {len(others) - 5} more wordings")
    if len(report.groups) > TEXT_MAX_GROUPS:
        rest = report.groups[TEXT_MAX_GROUPS:]
        lines.append(
            f"  … and {len(rest)} more groups ({sum(g.count for g in rest)} questions); "
            "the HTML report (--html FILE) lists more."
        )

    lines += ["", "Answers with the most 👎", ""]
    if report.most_disliked:
        lines.append(f"{'unhelpful':>9}  {'helpful':>7}  entry")
        for d in report.most_disliked:
            lines.append(f"{d.unhelpful:>9}  {d.helpful:>7}  {d.faq_id}: {_short(d.question, 80)}")
    else:
        lines.append("  No 👎 in this period.")

    unused = "unknown" if _no_data(report) else str(len(report.never_used))
    lines += ["", f"Entries never used in this period (no reply, no feedback): {unused}", ""]
    for e in report.never_used:
        lines.append(f"  {e.faq_id}: {_short(e.question, 80)}")
    if not report.never_used:
        lines.append("  No data to tell." if _no_data(report) else "  None: every entry was used.")
    return "\n".join(lines) + "\n"


def _no_data(report: Report) -> bool:
    return not report.total_replies and not report.satisfaction.total and not report.never_used


# --- HTML -------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #ffffff; --muted: #666666; --line: #dddddd; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e8; --bg: #161616; --muted: #a0a0a0; --line: #3a3a3a; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; font: 16px/1.45 system-ui, -apple-system, "Segoe UI",
  Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
.muted { color: var(--muted); }
.note { border-left: 4px solid #E69F00; padding: .4rem .75rem; margin: .5rem 0; background: rgba(230,159,0,.08); }
.cards { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .5rem .75rem; min-width: 7.5rem; }
.card b { display: block; font-size: 1.4rem; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .3em; }
svg { width: 100%; height: auto; display: block; }
svg text { fill: currentColor; font-size: 12px; font-family: inherit; }
.hover:hover { fill-opacity: .15; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td { overflow-wrap: anywhere; }
ul.wordings { margin: .25rem 0 0; padding-left: 1.1rem; }
details summary { cursor: pointer; }
"""

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _esc(text: object) -> str:
    """Text from the database or the knowledge files, safe inside HTML and attributes."""
    return html.escape(clean(str(text)), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_top(value: int) -> tuple[int, int]:
    """A round axis maximum ≥ value and its tick step (at most 5 steps)."""
    if value <= 0:
        return 1, 1
    magnitude = 10 ** max(0, math.floor(math.log10(value)) - 1)
    for base in (1, 2, 5, 10, 20, 50, 100):
        step = base * magnitude
        if math.ceil(value / step) <= 5:
            return math.ceil(value / step) * step, step
    return value, value  # not reached: 100 × magnitude ≥ value / 5


_GRID = 'stroke="#999999" stroke-opacity=".35"'
_AXIS = 'stroke="#888888"'


def _line(x1: float, y1: float, x2: float, y2: float, style: str) -> str:
    return f'<line {style} x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}"></line>'


def _day_title(day: DayCounts) -> str:
    parts = ", ".join(f"{OUTCOME_LABELS[o]} {day.counts.get(o, 0)}" for o in OUTCOMES)
    return f"{day.day.isoformat()}: {day.total} replies ({parts})"


def daily_chart_svg(per_day: Sequence[DayCounts]) -> str:
    """A stacked bar per day by outcome, with axes, axis labels, a legend and a <title> per bar and segment."""
    width, height = 760, 320
    left, right, top, bottom = 48, 12, 40, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(per_day), 1)
    y_top, y_step = _nice_top(max((d.total for d in per_day), default=0))
    slot = plot_w / n
    bar = max(slot * 0.8, 1.0)
    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="daily-title">',
        '<title id="daily-title">Replies per day by outcome</title>',
    ]
    # Legend.
    x = left
    for outcome in OUTCOMES:
        label = OUTCOME_LABELS[outcome]
        out.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{OUTCOME_COLOURS[outcome]}"></rect>')
        out.append(f'<text x="{x + 16}" y="18">{label}</text>')
        x += 24 + 7 * len(label)
    # Grid, y ticks and axis titles.
    for value in range(0, y_top + 1, y_step):
        y = top + plot_h - plot_h * value / y_top
        out.append(_line(left, y, width - right, y, _GRID))
        out.append(f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end">{value}</text>')
    out.append(
        f'<text x="12" y="{_num(top + plot_h / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 12 {_num(top + plot_h / 2)})">replies</text>'
    )
    out.append(
        f'<text x="{_num(left + plot_w / 2)}" y="{height - 6}" text-anchor="middle">date ({TIMEZONE_NAME})</text>'
    )
    # Bars: one group per day with its own <title>, one rect per outcome with its own <title>.
    label_every = max(1, math.ceil(n / 10))
    for index, day in enumerate(per_day):
        x0 = left + index * slot + (slot - bar) / 2
        out.append('<g class="day">')
        out.append(f"<title>{_esc(_day_title(day))}</title>")
        out.append(
            f'<rect class="hover" x="{_num(left + index * slot)}" y="{top}" width="{_num(slot)}" '
            f'height="{plot_h}" fill="#808080" fill-opacity="0"></rect>'
        )
        y = float(top + plot_h)
        for outcome in OUTCOMES:
            count = day.counts.get(outcome, 0)
            if not count:
                continue
            h = plot_h * count / y_top
            y -= h
            out.append(
                f'<rect x="{_num(x0)}" y="{_num(y)}" width="{_num(bar)}" height="{_num(h)}" '
                f'fill="{OUTCOME_COLOURS[outcome]}"><title>{day.day.isoformat()}: '
                f"{count} {OUTCOME_LABELS[outcome]}</title></rect>"
            )
        out.append("</g>")
        if (n - 1 - index) % label_every == 0:
            cx = left + index * slot + slot / 2
            out.append(
                f'<text x="{_num(cx)}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{day.day.day} {_MONTHS[day.day.month - 1]}</text>"
            )
    out.append(_line(left, top + plot_h, width - right, top + plot_h, _AXIS))
    out.append(_line(left, top, left, top + plot_h, _AXIS))
    out.append("</svg>")
    return "\n".join(out)


def disliked_chart_svg(entries: Sequence[DislikedEntry]) -> str:
    """A horizontal bar per entry: 👎 then 👍 stacked, with a <title> per bar."""
    width, row_h = 760, 26
    left, right, top, bottom = 230, 60, 34, 40
    height = top + bottom + row_h * max(len(entries), 1)
    plot_w = width - left - right
    x_top, x_step = _nice_top(max((e.unhelpful + e.helpful for e in entries), default=0))
    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="disliked-title">',
        '<title id="disliked-title">Entries with the most 👎 (with their 👍)</title>',
        f'<rect x="{left}" y="8" width="12" height="12" fill="{UNHELPFUL_COLOUR}"></rect>',
        f'<text x="{left + 16}" y="18">👎 not helpful</text>',
        f'<rect x="{left + 130}" y="8" width="12" height="12" fill="{HELPFUL_COLOUR}"></rect>',
        f'<text x="{left + 146}" y="18">👍 helpful</text>',
    ]
    for value in range(0, x_top + 1, x_step):
        x = left + plot_w * value / x_top
        out.append(
            _line(x, top, x, height - bottom, _GRID)
            + f'<text x="{_num(x)}" y="{height - bottom + 14}" text-anchor="middle">{value}</text>'
        )
    out.append(
        f'<text x="{_num(left + plot_w / 2)}" y="{height - 4}" text-anchor="middle">presses in this period</text>'
    )
    for index, e in enumerate(entries):
        y = top + index * row_h + 4
        label = e.faq_id if len(e.faq_id) <= 32 else e.faq_id[:31] + "…"
        down_w = plot_w * e.unhelpful / x_top
        up_w = plot_w * e.helpful / x_top
        out.append('<g class="entry">')
        out.append(f"<title>{_esc(e.faq_id)}: {_esc(e.question)} ({e.unhelpful} × 👎, {e.helpful} × 👍)</title>")
        out.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{_esc(label)}</text>')
        out.append(
            f'<rect x="{left}" y="{y}" width="{_num(down_w)}" height="{row_h - 8}" fill="{UNHELPFUL_COLOUR}">'
            f"<title>{_esc(e.faq_id)}: {e.unhelpful} × 👎</title></rect>"
        )
        if e.helpful:
            out.append(
                f'<rect x="{_num(left + down_w)}" y="{y}" width="{_num(up_w)}" height="{row_h - 8}" '
                f'fill="{HELPFUL_COLOUR}"><title>{_esc(e.faq_id)}: {e.helpful} × 👍</title></rect>'
            )
        out.append(f'<text x="{_num(left + down_w + up_w + 6)}" y="{y + 13}">{e.unhelpful} / {e.helpful}</text></g>')
    out.append(_line(left, top, left, height - bottom, _AXIS))
    out.append("</svg>")
    return "\n".join(out)


def render_html(report: Report) -> str:
    """One self-contained HTML page (inline CSS and SVG; no scripts, no external resources)."""
    p = report.period
    title = f"JEP advice-line assistant: report {p.start.isoformat()} to {p.end.isoformat()}"
    totals = {o: report.totals.get(o, 0) for o in OUTCOMES}
    s = report.satisfaction
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<h1>JEP advice-line assistant: staff report</h1>",
        f'<p class="muted">{_esc(_period_line(report))}'
        + (f"<br>Database: {_esc(report.source)}" if report.source else "")
        + "</p>",
    ]
    out.extend(f'<p class="note">{_esc(note)}</p>' for note in report.notes)

    out.append('<div class="cards">')
    out.append(f'<div class="card"><b>{report.total_replies}</b>replies</div>')
    for outcome in OUTCOMES:
        out.append(
            f'<div class="card"><b>{totals[outcome]}</b><span class="swatch" '
            f'style="background:{OUTCOME_COLOURS[outcome]}"></span>{OUTCOME_LABELS[outcome]}</div>'
        )
    share = "" if s.helpful_share is None else f" ({s.helpful_share:.0%} helpful)"
    out.append(f'<div class="card"><b>{s.helpful} / {s.unhelpful}</b>👍 / 👎{share}</div>')
    out.append("</div>")

    out.append("<h2>Replies per day</h2>")
    out.append(daily_chart_svg(report.per_day))
    out.append("<details><summary>The numbers per day</summary>")
    out.append('<div class="scroll"><table><thead><tr><th>date</th>')
    out.extend(f'<th class="n">{OUTCOME_LABELS[o]}</th>' for o in OUTCOMES)
    out.append('<th class="n">total</th></tr></thead><tbody>')
    for day in report.per_day:
        cells = "".join(f'<td class="n">{day.counts.get(o, 0)}</td>' for o in OUTCOMES)
        out.append(f'<tr><td>{day.day.isoformat()}</td>{cells}<td class="n">{day.total}</td></tr>')
    cells = "".join(f'<td class="n"><b>{totals[o]}</b></td>' for o in OUTCOMES)
    out.append(f'<tr><td><b>total</b></td>{cells}<td class="n"><b>{report.total_replies}</b></td></tr>')
    out.append("</tbody></table></div></details>")

    out.append("<h2>Questions the bot could not answer</h2>")
    out.append(
        '<p class="muted">Escalated and clarified questions, similar ones together, most frequent first: '
        "candidates for a new entry, or for new alternates of an existing one.</p>"
    )
    if report.groups:
        out.append('<div class="scroll"><table><thead><tr><th class="n">asked</th><th>question</th>')
        out.append("<th>suggestion</th><th>outcome</th></tr></thead><tbody>")
        for group in report.groups[:HTML_MAX_GROUPS]:
            wordings = ""
            if len(group.questions) > 1:
                wordings = (
                    '<ul class="wordings muted">'
                    + "".join(f"<li>{_esc(q)}</li>" for q in group.questions[1:])
                    + "</ul>"
                )
            suggestion = _esc(group.suggestion)
            if group.guess_question:
                suggestion += f'<br><span class="muted">{_esc(group.guess_question)}</span>'
            out.append(
                f'<tr><td class="n">{group.count}</td><td>{_esc(group.example)}{wordings}</td>'
                f"<td>{suggestion}</td><td>{_esc(_outcome_summary(group.outcomes))}</td></tr>"
            )
        out.append("</tbody></table></div>")
        if len(report.groups) > HTML_MAX_GROUPS:
            rest = report.groups[HTML_MAX_GROUPS:]
            out.append(f'<p class="muted">… and {len(rest)} more groups ({sum(g.count for g in rest)} questions).</p>')
    else:
        out.append("<p>None in this period.</p>")

    out.append("<h2>Answers with the most 👎</h2>")
    if report.most_disliked:
        out.append(disliked_chart_svg(report.most_disliked))
        out.append('<div class="scroll"><table><thead><tr><th>entry</th><th>question</th>')
        out.append('<th class="n">👎</th><th class="n">👍</th></tr></thead><tbody>')
        for d in report.most_disliked:
            out.append(
                f"<tr><td>{_esc(d.faq_id)}</td><td>{_esc(d.question)}</td>"
                f'<td class="n">{d.unhelpful}</td><td class="n">{d.helpful}</td></tr>'
            )
        out.append("</tbody></table></div>")
    else:
        out.append("<p>No 👎 in this period.</p>")

    unused = "unknown" if _no_data(report) else str(len(report.never_used))
    out.append(f"<h2>Entries never used ({unused})</h2>")
    out.append('<p class="muted">No reply and no feedback in this period.</p>')
    if report.never_used:
        out.append('<div class="scroll"><table><thead><tr><th>entry</th><th>question</th><th>topic</th></tr>')
        out.append("</thead><tbody>")
        out.extend(
            f"<tr><td>{_esc(e.faq_id)}</td><td>{_esc(e.question)}</td><td>{_esc(e.topic)}</td></tr>"
            for e in report.never_used
        )
        out.append("</tbody></table></div>")
    else:
        out.append("<p>No data to tell.</p>" if _no_data(report) else "<p>None: every entry was used.</p>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def write_html(report: Report, path: Path) -> None:
    """Write `render_html(report)` to `path` (UTF-8); an existing file is overwritten."""
    path.write_text(render_html(report), encoding="utf-8")

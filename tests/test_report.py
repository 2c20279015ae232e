"""The staff review report: counts per day, grouped questions, most 👎, unused entries, text and HTML."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import PSEUDONYM_KEY_ENV, StorageConfig
from bot.knowledge import Knowledge, require_knowledge
from bot.matching import Matcher
from bot.report import (
    OUTCOMES,
    REMOVED_ENTRY,
    Report,
    ReportError,
    build_report,
    group_questions,
    render_html,
    render_text,
    write_html,
)
from bot.storage import Storage

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = dt.date(2026, 11, 24)
PASSPORT = ("hoe vraag ik een paspoort aan", "paspoort aanvragen hoe?", "waar vraag ik mijn paspoort aan")
SCRIPT = "<script>alert('hi')</script> werkt de bot?"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return require_knowledge(Path(__file__).parent.parent / "knowledge")


@pytest.fixture(scope="module")
def matcher(knowledge: Knowledge) -> Matcher:
    return Matcher(knowledge)


@pytest.fixture(autouse=True)
def no_developer_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    """The bot's real storage, open while the report reads it (as when the bot is running)."""
    opened = await Storage.open(StorageConfig(path=tmp_path / "bot.sqlite3"))
    assert opened.enabled
    yield opened
    await opened.close()


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment on an Amsterdam date."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)


def stored(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def add_event(
    path: Path,
    moment: dt.datetime,
    outcome: str,
    faq_id: str | None = None,
    question: str | None = None,
    score: float = 50.0,
) -> None:
    """A row as the bot writes it, at a chosen time."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO events (created_at, user, outcome, faq_id, score, question) VALUES (?, ?, ?, ?, ?, ?)",
            (stored(moment), "u1", outcome, faq_id, score, question),
        )
    conn.close()


def add_feedback(path: Path, moment: dt.datetime, faq_id: str, helpful: bool, times: int = 1) -> None:
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO feedback (created_at, user, faq_id, helpful) VALUES (?, ?, ?, ?)",
            [(stored(moment), "u1", faq_id, int(helpful))] * times,
        )
    conn.close()


def day_of(report: Report, day: dt.date) -> dict[str, int]:
    (found,) = [d for d in report.per_day if d.day == day]
    return dict(found.counts)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


# --- counts per day ---------------------------------------------------------------------------


async def test_counts_per_day_with_empty_days_as_zero(store: Storage, knowledge: Knowledge, matcher: Matcher) -> None:
    db = store.path
    for outcome in ("answer", "answer", "escalate"):
        add_event(db, at(days_ago(4)), outcome, "jos-wat-is" if outcome == "answer" else None, "vraag")
    add_event(db, at(days_ago(2), 9), "clarify", "jos-wat-is", "iets over jos")
    add_event(db, at(days_ago(2), 10), "crisis", None, None)
    add_event(db, at(days_ago(2), 11), "smalltalk", None, None)
    add_event(db, at(TODAY, 8), "answer", "jos-wat-is")

    report = build_report(db, knowledge, days=5, today=TODAY, matcher=matcher)

    assert report.period.start == days_ago(4) and report.period.end == TODAY and report.period.days == 5
    assert [d.day for d in report.per_day] == [days_ago(n) for n in (4, 3, 2, 1, 0)]
    assert day_of(report, days_ago(4)) == {"answer": 2, "clarify": 0, "escalate": 1, "crisis": 0, "smalltalk": 0}
    assert day_of(report, days_ago(3)) == dict.fromkeys(OUTCOMES, 0)  # a quiet day is a row of zeros
    assert day_of(report, days_ago(2)) == {"answer": 0, "clarify": 1, "escalate": 0, "crisis": 1, "smalltalk": 1}
    assert day_of(report, days_ago(1)) == dict.fromkeys(OUTCOMES, 0)
    assert day_of(report, TODAY)["answer"] == 1
    assert [d.total for d in report.per_day] == [3, 0, 3, 0, 1]
    assert dict(report.totals) == {"answer": 3, "clarify": 1, "escalate": 1, "crisis": 1, "smalltalk": 1}
    assert report.total_replies == 7


async def test_days_are_amsterdam_dates(store: Storage, knowledge: Knowledge, matcher: Matcher) -> None:
    db = store.path
    # 23:30 UTC on the 23rd is 00:30 on the 24th in Amsterdam (winter time, UTC+1).
    add_event(db, dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC), "answer", "jos-wat-is")
    # 22:30 UTC on 19 November is 23:30 the same day in Amsterdam: just before a 5-day window.
    add_event(db, dt.datetime(2026, 11, 19, 22, 30, tzinfo=dt.UTC), "escalate", None, "te vroeg")
    # 23:30 UTC on 19 November is already the 20th in Amsterdam: the window's first day.
    add_event(db, dt.datetime(2026, 11, 19, 23, 30, tzinfo=dt.UTC), "clarify", "jos-wat-is", "net op tijd")
    # Summer time (UTC+2): 22:30 UTC on 30 June is 1 July in Amsterdam.
    add_event(db, dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC), "crisis")

    report = build_report(db, knowledge, days=5, today=TODAY, matcher=matcher)
    assert day_of(report, TODAY)["answer"] == 1
    assert day_of(report, days_ago(1))["answer"] == 0
    assert day_of(report, days_ago(4))["clarify"] == 1
    assert report.totals["escalate"] == 0
    assert [g.example for g in report.groups] == ["net op tijd"]

    summer = build_report(db, knowledge, days=1, today=dt.date(2026, 7, 1), matcher=matcher)
    assert summer.totals["crisis"] == 1


async def test_days_limits_the_window(store: Storage, knowledge: Knowledge, matcher: Matcher) -> None:
    db = store.path
    add_event(db, at(days_ago(3)), "escalate", None, "recente vraag over subsidie")
    add_event(db, at(days_ago(40)), "escalate", None, "oude vraag over de kermis")
    add_event(db, at(days_ago(40)), "answer", "jos-wat-is")
    add_feedback(db, at(days_ago(40)), "jos-wat-is", helpful=False)
    add_event(db, at(TODAY + dt.timedelta(days=1)), "answer", "jos-veerkracht")  # after "today": left out

    week = build_report(db, knowledge, days=7, today=TODAY, matcher=matcher)
    assert len(week.per_day) == 7 and week.period.start == days_ago(6)
    assert week.total_replies == 1
    assert [g.example for g in week.groups] == ["recente vraag over subsidie"]
    assert week.most_disliked == ()
    assert "jos-wat-is" in {e.faq_id for e in week.never_used}
    assert "jos-veerkracht" in {e.faq_id for e in week.never_used}

    two_months = build_report(db, knowledge, days=60, today=TODAY, matcher=matcher)
    assert len(two_months.per_day) == 60
    assert two_months.total_replies == 3
    assert {g.example for g in two_months.groups} == {"recente vraag over subsidie", "oude vraag over de kermis"}
    assert [d.faq_id for d in two_months.most_disliked] == ["jos-wat-is"]
    assert "jos-wat-is" not in {e.faq_id for e in two_months.never_used}


def test_days_below_one_are_refused(tmp_path: Path, knowledge: Knowledge) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        build_report(tmp_path / "bot.sqlite3", knowledge, days=0, today=TODAY)


# --- question groups ------------------------------------------------------------------------------


async def test_similar_questions_form_one_group_ranked_first(store: Storage, knowledge: Knowledge) -> None:
    # Through the bot's own storage API, so with the times and shape it really writes.
    await store.record_event(1, "escalate", None, 12.0, "wat is het weer morgen")  # a single one, asked first
    await store.record_event(2, "escalate", None, 10.0, PASSPORT[0])
    await store.record_event(3, "clarify", "gemeente-samenwerking", 44.0, PASSPORT[1])
    await store.record_event(4, "escalate", None, 11.0, PASSPORT[2])
    await store.record_event(5, "crisis", None, 0.0, "dit mag nooit bewaard worden")
    await store.record_event(6, "answer", "jos-wat-is", 80.0, "en dit ook niet")

    await store.flush()  # the bot writes its queue within storage.write_delay_seconds
    report = build_report(store.path, knowledge)  # today in Amsterdam: the rows were written just now

    assert [g.count for g in report.groups] == [3, 1]
    passport, weather = report.groups
    assert set(passport.questions) == set(PASSPORT) and len(passport.questions) == 3
    assert passport.example in PASSPORT
    assert dict(passport.outcomes) == {"escalate": 2, "clarify": 1}
    assert weather.questions == ("wat is het weer morgen",)
    # Nothing in the knowledge base is about passports: a candidate new entry (or out of scope).
    assert passport.best_faq_id_guess is None and "new entry" in passport.suggestion


def test_a_close_entry_is_suggested_for_alternates(knowledge: Knowledge, matcher: Matcher) -> None:
    (group,) = group_questions([("hoe bel ik de advieslijn in het weekend", "escalate")], matcher)
    assert group.best_faq_id_guess is not None
    assert knowledge.get(group.best_faq_id_guess) is not None
    assert group.guess_question == knowledge.by_id[group.best_faq_id_guess].question
    assert group.guess_score is not None and group.guess_score >= 40
    assert f"alternate of '{group.best_faq_id_guess}'" in group.suggestion


def test_grouping_is_deterministic_and_does_not_over_merge(matcher: Matcher) -> None:
    questions = [
        ("school", "escalate"),
        ("mijn zoon wordt gepest op school wat nu", "escalate"),
        ("hoe kan ik", "clarify"),
        ("Paspoort aanvragen, hoe?", "escalate"),
        ("paspoort aanvragen hoe", "escalate"),
        ("paspoort aanvragen hoe?", "escalate"),
        *((q, "escalate") for q in PASSPORT),
        ("wat is het weer morgen", "escalate"),
        ("weer morgen?", "clarify"),
    ]
    first = group_questions(questions, matcher)
    assert group_questions(list(reversed(questions)), matcher) == first
    by_example = {g.example: g for g in first}
    # Case and punctuation fold away: one wording, counted four times, listed once in its most
    # frequent spelling, which is the example as this wording is asked most.
    passport = first[0]
    assert passport.count == 6 and len(passport.questions) == 3
    assert passport.example == "paspoort aanvragen hoe?"
    assert set(passport.questions) == set(PASSPORT)
    assert by_example["wat is het weer morgen"].count == 2
    # A one-word question is not swallowed by a longer one that happens to contain its word.
    assert by_example["school"].count == 1
    assert by_example["mijn zoon wordt gepest op school wat nu"].count == 1
    assert by_example["hoe kan ik"].count == 1


async def test_questions_without_text_are_counted_not_grouped(
    store: Storage, knowledge: Knowledge, matcher: Matcher
) -> None:
    add_event(store.path, at(TODAY), "escalate", None, None)  # storage.store_question_text: false
    add_event(store.path, at(TODAY), "escalate", None, "   ")
    report = build_report(store.path, knowledge, days=1, today=TODAY, matcher=matcher)
    assert report.totals["escalate"] == 2
    assert report.groups == ()
    assert report.questions_without_text == 2
    assert any("no question text" in note for note in report.notes)


# --- feedback and unused entries ------------------------------------------------------------------


async def test_most_disliked_ranking(store: Storage, knowledge: Knowledge, matcher: Matcher) -> None:
    db = store.path
    day = at(days_ago(1))
    add_feedback(db, day, "jos-wat-is", helpful=False, times=3)
    add_feedback(db, day, "jos-wat-is", helpful=True)
    add_feedback(db, day, "jos-veerkracht", helpful=False, times=3)  # as many 👎, fewer 👍: worse
    add_feedback(db, day, "weggehaalde-vraag", helpful=False, times=2)  # an entry staff deleted since
    add_feedback(db, day, "politie-overlast", helpful=False)
    add_feedback(db, day, "ouders-leefwereld", helpful=True, times=5)  # only 👍: not in the list

    report = build_report(db, knowledge, days=7, today=TODAY, matcher=matcher)

    ranking = [(d.faq_id, d.unhelpful, d.helpful) for d in report.most_disliked]
    assert ranking == [
        ("jos-veerkracht", 3, 0),
        ("jos-wat-is", 3, 1),
        ("weggehaalde-vraag", 2, 0),
        ("politie-overlast", 1, 0),
    ]
    questions = {d.faq_id: d.question for d in report.most_disliked}
    assert questions["jos-veerkracht"] == knowledge.by_id["jos-veerkracht"].question
    assert questions["weggehaalde-vraag"] == REMOVED_ENTRY
    assert (report.satisfaction.helpful, report.satisfaction.unhelpful) == (6, 9)


async def test_feedback_through_the_storage_api_is_counted(store: Storage, knowledge: Knowledge) -> None:
    await store.record_feedback(7, "politie-overlast", False)
    await store.record_feedback(8, "politie-overlast", True)
    await store.flush()  # the bot writes its queue within storage.write_delay_seconds
    report = build_report(store.path, knowledge)  # today in Amsterdam: the rows were written just now
    assert [(d.faq_id, d.unhelpful, d.helpful) for d in report.most_disliked] == [("politie-overlast", 1, 1)]
    assert "politie-overlast" not in {e.faq_id for e in report.never_used}


async def test_never_used_lists_entries_without_events_or_feedback(
    store: Storage, knowledge: Knowledge, matcher: Matcher
) -> None:
    db = store.path
    add_event(db, at(TODAY), "answer", "jos-wat-is")
    add_event(db, at(TODAY), "clarify", "jos-veerkracht", "iets met veerkracht")
    add_feedback(db, at(TODAY), "politie-overlast", helpful=True)

    report = build_report(db, knowledge, days=30, today=TODAY, matcher=matcher)
    never = [e.faq_id for e in report.never_used]
    used = {"jos-wat-is", "jos-veerkracht", "politie-overlast"}
    assert never == [e.id for e in knowledge.entries if e.id not in used]  # every other entry, in file order
    first = report.never_used[0]
    entry = knowledge.by_id[first.faq_id]
    assert (first.question, first.topic) == (entry.question, entry.topic)


# --- rendering -----------------------------------------------------------------------------------


@pytest.fixture
async def busy_report(store: Storage, knowledge: Knowledge, matcher: Matcher) -> Report:
    db = store.path
    for n, question in enumerate(PASSPORT):
        add_event(db, at(days_ago(n)), "escalate", None, question)
    add_event(db, at(days_ago(1)), "clarify", "jos-wat-is", SCRIPT)
    add_event(db, at(days_ago(1)), "clarify", "jos-wat-is", "kleur \x1b[31mrood\x1b[0m en\nnieuwe regel")
    for _ in range(4):
        add_event(db, at(TODAY), "answer", "jos-wat-is")
    add_event(db, at(days_ago(2)), "crisis")
    add_feedback(db, at(TODAY), "jos-wat-is", helpful=False, times=2)
    add_feedback(db, at(TODAY), "jos-veerkracht", helpful=False)
    add_feedback(db, at(TODAY), "jos-veerkracht", helpful=True, times=3)
    return build_report(db, knowledge, days=7, today=TODAY, matcher=matcher)


def test_text_report_has_the_table_and_numbers(busy_report: Report) -> None:
    text = render_text(busy_report)
    header = next(line for line in text.splitlines() if line.startswith("date"))
    assert header.split() == ["date", "answered", "clarified", "escalated", "crisis", "smalltalk", "total"]
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)}
    assert len(rows) == 7
    assert rows[TODAY.isoformat()] == ["4", "0", "1", "0", "0", "5"]
    assert rows[days_ago(1).isoformat()] == ["0", "2", "1", "0", "0", "3"]
    assert rows[days_ago(2).isoformat()] == ["0", "0", "1", "1", "0", "2"]
    assert rows[days_ago(5).isoformat()] == ["0"] * 6
    total = next(line for line in text.splitlines() if line.startswith("total"))
    assert total.split() == ["total", "4", "2", "3", "1", "0", "10"]
    assert "    3×  " in text  # the passport group
    assert "new entry" in text
    assert "jos-wat-is" in text and "Answers with the most 👎" in text
    assert "Entries never used" in text and "politie-overlast" in text
    assert "\x1b" not in text  # no terminal escapes from the public
    assert "kleur [31mrood[0m en nieuwe regel" in text


def test_html_is_self_contained_with_charts_and_escaped_text(busy_report: Report, tmp_path: Path) -> None:
    page = render_html(busy_report)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<meta name="viewport"' in page and "max-width" in page
    assert page.count("<svg") == 2  # replies per day, most 👎
    # One <title> per day bar, and one per outcome segment in it.
    for day in busy_report.per_day:
        assert f"<title>{day.day.isoformat()}: {day.total} replies (" in page
    assert f"<title>{TODAY.isoformat()}: 4 answered</title>" in page
    assert f"<title>{days_ago(2).isoformat()}: 1 crisis</title>" in page
    assert "jos-wat-is: 2 × 👎" in page
    for label in ("answered", "clarified", "escalated", "crisis", "smalltalk"):
        assert f">{label}</text>" in page  # the legend
    assert ">replies</text>" in page and ">date (Europe/Amsterdam)</text>" in page  # axis labels
    # Questions from the public are escaped, never markup.
    assert "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; werkt de bot?" in page
    assert "<script" not in page.lower()
    assert "\x1b" not in page
    # Self-contained: no links to anything outside the file, no scripts.
    assert "http" not in page
    assert not re.search(r"\b(src|href)\s*=", page)
    assert "<link" not in page and "url(" not in page and "@import" not in page

    target = tmp_path / "report.html"
    write_html(busy_report, target)
    assert target.read_text(encoding="utf-8") == page


# --- the database ----------------------------------------------------------------------------------


def test_missing_database_gives_an_empty_report_with_a_note(tmp_path: Path, knowledge: Knowledge) -> None:
    missing = tmp_path / "data" / "bot.sqlite3"
    report = build_report(missing, knowledge, days=3, today=TODAY)
    assert report.total_replies == 0
    assert [d.day for d in report.per_day] == [days_ago(2), days_ago(1), TODAY]
    assert all(d.total == 0 for d in report.per_day)
    assert report.groups == () and report.most_disliked == () and report.never_used == ()
    assert report.satisfaction.total == 0
    assert len(report.notes) == 1 and "No database" in report.notes[0] and str(missing) in report.notes[0]
    assert not missing.exists() and not missing.parent.exists()  # reading created nothing
    assert "No database" in render_text(report)
    assert "No database" in render_html(report)


def test_database_without_tables_gives_an_empty_report(tmp_path: Path, knowledge: Knowledge) -> None:
    empty = tmp_path / "bot.sqlite3"
    empty.touch()
    report = build_report(empty, knowledge, days=2, today=TODAY)
    assert report.total_replies == 0
    assert any("no events or feedback table" in note for note in report.notes)


def test_a_file_that_is_no_database_is_a_report_error(tmp_path: Path, knowledge: Knowledge) -> None:
    broken = tmp_path / "bot.sqlite3"
    broken.write_bytes(b"this is not an SQLite database, just some text that is long enough" * 20)
    with pytest.raises(ReportError, match="Cannot read the database"):
        build_report(broken, knowledge, days=2, today=TODAY)


async def test_the_report_only_reads(store: Storage, knowledge: Knowledge, matcher: Matcher) -> None:
    db = store.path
    add_event(db, at(TODAY), "escalate", None, "een vraag")
    await store.close()
    before = db.read_bytes()
    build_report(db, knowledge, days=2, today=TODAY, matcher=matcher)
    assert db.read_bytes() == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (1,)
    conn.close()

"""Office hours of the advice line: open now or not, when it opens next, and how we say so in Dutch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.hours import DAY_KEYS, Interval, LineStatus, OfficeHours, clock, moment_nl, parse_intervals
from bot.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC
NINE_TO_FIVE: tuple[Interval, ...] = ((dt.time(9), dt.time(17)),)
CLOSED: tuple[Interval, ...] = ()
WORKING_WEEK = (NINE_TO_FIVE,) * 5 + (CLOSED, CLOSED)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A moment in Amsterdam time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=AMS)


def line(
    weekly: tuple[tuple[Interval, ...], ...] = WORKING_WEEK,
    closing_days: frozenset[dt.date] = frozenset(),
    public_holidays: str | None = "NL",
) -> OfficeHours:
    return OfficeHours("Europe/Amsterdam", weekly, closing_days, public_holidays)


@pytest.fixture(scope="module")
def real() -> OfficeHours:
    """The office hours from the real knowledge/contacts.yaml."""
    knowledge = load_knowledge(ROOT / "knowledge").knowledge
    assert knowledge is not None
    return knowledge.contacts.office_hours


@pytest.fixture
def hours() -> OfficeHours:
    """Like the real line: weekdays 9-17, Dutch public holidays, closed on Christmas Eve 2026."""
    return line(closing_days=frozenset({dt.date(2026, 12, 24)}))


def test_real_contacts_give_weekdays_nine_to_five(real: OfficeHours) -> None:
    assert real.timezone == "Europe/Amsterdam"
    assert real.weekly == WORKING_WEEK
    assert real.public_holidays == "NL"
    assert all(isinstance(day, dt.date) for day in real.closing_days)


def test_describe(real: OfficeHours) -> None:
    assert real.describe() == "maandag t/m vrijdag van 9.00 tot 17.00 uur"


# --- open or closed ------------------------------------------------------------------


def test_open_on_a_tuesday_morning(hours: OfficeHours) -> None:
    assert hours.status(at(2026, 1, 6, 10)) == LineStatus(True, closes_at=at(2026, 1, 6, 17))


def test_closed_before_opening_opens_today(hours: OfficeHours) -> None:
    assert hours.status(at(2026, 1, 6, 8)) == LineStatus(False, next_open=at(2026, 1, 6, 9))


def test_closed_on_friday_evening_opens_monday(hours: OfficeHours) -> None:
    assert hours.status(at(2026, 1, 9, 18)) == LineStatus(False, next_open=at(2026, 1, 12, 9))


@pytest.mark.parametrize("moment", [at(2026, 1, 10, 12), at(2026, 1, 11, 0, 0), at(2026, 1, 11, 23, 59)])
def test_closed_in_the_weekend(hours: OfficeHours, moment: dt.datetime) -> None:
    assert hours.status(moment) == LineStatus(False, next_open=at(2026, 1, 12, 9))


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (at(2026, 1, 6, 8, 59), False),
        (at(2026, 1, 6, 9, 0), True),
        (dt.datetime(2026, 1, 6, 16, 59, 59, tzinfo=AMS), True),
        (at(2026, 1, 6, 17, 0), False),
    ],
)
def test_opening_time_is_in_closing_time_is_out(hours: OfficeHours, moment: dt.datetime, is_open: bool) -> None:
    assert hours.status(moment).is_open is is_open


def test_after_closing_opens_tomorrow(hours: OfficeHours) -> None:
    assert hours.status(at(2026, 1, 6, 17)) == LineStatus(False, next_open=at(2026, 1, 7, 9))


def test_split_hours_lunch_break() -> None:
    split = line(weekly=(parse_intervals("09:00-12:30, 13:30-17:00"),) * 5 + (CLOSED, CLOSED))
    assert split.status(at(2026, 1, 6, 10)) == LineStatus(True, closes_at=at(2026, 1, 6, 12, 30))
    assert split.status(at(2026, 1, 6, 12, 45)) == LineStatus(False, next_open=at(2026, 1, 6, 13, 30))
    assert split.status(at(2026, 1, 6, 14)) == LineStatus(True, closes_at=at(2026, 1, 6, 17))


# --- holidays and closing days ---------------------------------------------------------


def test_closed_on_koningsdag(hours: OfficeHours) -> None:
    # 27 April 2026 is a Monday.
    assert dt.date(2026, 4, 27).weekday() == 0
    status = hours.status(at(2026, 4, 27, 10))
    assert status == LineStatus(False, next_open=at(2026, 4, 28, 9), closed_because="Koningsdag")
    assert status.closed_because is not None and "Koningsdag" in status.closed_because


def test_friday_before_koningsdag_opens_on_tuesday(hours: OfficeHours) -> None:
    assert hours.status(at(2026, 4, 24, 18)) == LineStatus(False, next_open=at(2026, 4, 28, 9))


def test_closed_on_christmas_day(hours: OfficeHours) -> None:
    status = hours.status(at(2026, 12, 25, 10))
    assert status == LineStatus(False, next_open=at(2026, 12, 28, 9), closed_because="Eerste kerstdag")


def test_without_public_holidays_open_on_koningsdag() -> None:
    assert line(public_holidays=None).status(at(2026, 4, 27, 10)).is_open


def test_closed_on_an_extra_closing_day(hours: OfficeHours) -> None:
    # Christmas Eve 2026 is a Thursday; Christmas and Boxing Day follow, then the weekend.
    status = hours.status(at(2026, 12, 24, 10))
    assert status == LineStatus(False, next_open=at(2026, 12, 28, 9), closed_because="extra sluitingsdag")


def test_extra_closing_day_on_an_ordinary_wednesday() -> None:
    closed_once = line(closing_days=frozenset({dt.date(2026, 6, 10)}))
    assert closed_once.status(at(2026, 6, 10, 11)) == LineStatus(
        False, next_open=at(2026, 6, 11, 9), closed_because="extra sluitingsdag"
    )
    assert closed_once.status(at(2026, 6, 9, 18)) == LineStatus(False, next_open=at(2026, 6, 11, 9))
    assert closed_once.status(at(2026, 6, 11, 9)).is_open


def test_closed_longer_than_the_lookahead_has_no_next_opening() -> None:
    start = dt.date(2026, 7, 1)
    summer = frozenset(start + dt.timedelta(days=n) for n in range(60))
    status = line(closing_days=summer).status(at(2026, 7, 1, 10))
    assert status == LineStatus(False, next_open=None, closed_because="extra sluitingsdag")


def test_closed_every_day_has_no_next_opening() -> None:
    never = line(weekly=(CLOSED,) * 7)
    assert never.status(at(2026, 1, 6, 10)) == LineStatus(False)
    assert never.describe() == "op dit moment niet"


# --- time zones and daylight saving time -------------------------------------------------


def test_utc_moment_is_converted_to_amsterdam(hours: OfficeHours) -> None:
    # 08:30 UTC is 09:30 in Amsterdam in winter.
    status = hours.status(dt.datetime(2026, 1, 6, 8, 30, tzinfo=UTC))
    assert status == LineStatus(True, closes_at=at(2026, 1, 6, 17))
    assert status.closes_at is not None
    assert status.closes_at.astimezone(UTC) == dt.datetime(2026, 1, 6, 16, 0, tzinfo=UTC)


def test_utc_moment_before_opening_in_amsterdam(hours: OfficeHours) -> None:
    # 07:30 UTC is 08:30 in Amsterdam in winter, but 09:30 in summer.
    assert hours.status(dt.datetime(2026, 1, 6, 7, 30, tzinfo=UTC)) == LineStatus(False, next_open=at(2026, 1, 6, 9))
    assert hours.status(dt.datetime(2026, 6, 2, 7, 30, tzinfo=UTC)).is_open


def test_utc_moment_on_another_date_than_in_amsterdam(hours: OfficeHours) -> None:
    # Friday 23:30 UTC is already Saturday in Amsterdam.
    assert hours.status(dt.datetime(2026, 1, 9, 23, 30, tzinfo=UTC)) == LineStatus(False, next_open=at(2026, 1, 12, 9))


def test_naive_moment_is_taken_as_amsterdam_time(hours: OfficeHours) -> None:
    assert hours.status(dt.datetime(2026, 1, 6, 10, 0)) == LineStatus(True, closes_at=at(2026, 1, 6, 17))
    assert not hours.status(dt.datetime(2026, 1, 6, 8, 30)).is_open


def test_weekend_of_the_switch_to_summer_time(hours: OfficeHours) -> None:
    # The clocks go forward on Sunday 29 March 2026: Friday 18:00 is CET, Monday 09:00 is CEST.
    friday = at(2026, 3, 27, 18)
    status = hours.status(friday)
    assert status == LineStatus(False, next_open=at(2026, 3, 30, 9))
    assert status.next_open is not None
    assert friday.utcoffset() == dt.timedelta(hours=1)
    assert status.next_open.utcoffset() == dt.timedelta(hours=2)
    assert status.next_open.astimezone(UTC) == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert status.next_open.astimezone(UTC) - friday.astimezone(UTC) == dt.timedelta(hours=62)


@pytest.mark.parametrize(
    ("day", "offset"),
    [(dt.date(2026, 3, 29), 2), (dt.date(2026, 10, 25), 1)],
    ids=["summer-time-starts", "summer-time-ends"],
)
def test_line_open_on_the_switch_day(day: dt.date, offset: int) -> None:
    every_day = line(weekly=(NINE_TO_FIVE,) * 7, public_holidays=None)
    morning = at(day.year, day.month, day.day, 8, 30)
    assert every_day.status(morning) == LineStatus(False, next_open=at(day.year, day.month, day.day, 9))
    status = every_day.status(at(day.year, day.month, day.day, 10))
    assert status == LineStatus(True, closes_at=at(day.year, day.month, day.day, 17))
    assert status.closes_at is not None
    assert status.closes_at.utcoffset() == dt.timedelta(hours=offset)
    assert status.closes_at.astimezone(UTC).hour == 17 - offset


# --- describe ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (
            ["09:00-12:30, 13:30-17:00"] * 5 + ["closed", "closed"],
            "maandag t/m vrijdag van 9.00 tot 12.30 uur en van 13.30 tot 17.00 uur",
        ),
        (
            ["09:00-17:00", "09:00-17:00", "closed", "09:00-17:00", "09:00-13:00", "closed", "closed"],
            "op maandag en dinsdag van 9.00 tot 17.00 uur; op donderdag van 9.00 tot 17.00 uur; "
            "op vrijdag van 9.00 tot 13.00 uur",
        ),
        (["closed"] * 5 + ["10:00-14:00", "closed"], "op zaterdag van 10.00 tot 14.00 uur"),
        (
            ["8.30-17.00"] * 5 + ["10:00-14:00"] * 2,
            "maandag t/m vrijdag van 8.30 tot 17.00 uur; op zaterdag en zondag van 10.00 tot 14.00 uur",
        ),
        (["closed"] * 7, "op dit moment niet"),
    ],
)
def test_describe_other_weeks(days: list[str], expected: str) -> None:
    assert len(days) == len(DAY_KEYS)
    assert line(weekly=tuple(parse_intervals(d) for d in days)).describe() == expected


@pytest.mark.parametrize(
    ("time", "expected"), [(dt.time(9), "9.00"), (dt.time(13, 30), "13.30"), (dt.time(8, 5), "8.05")]
)
def test_clock(time: dt.time, expected: str) -> None:
    assert clock(time) == expected


# --- parse_intervals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-17:00", NINE_TO_FIVE),
        ("9.00-17.00", NINE_TO_FIVE),
        ("9-17", NINE_TO_FIVE),
        (" 09:00 - 17:00 ", NINE_TO_FIVE),
        ("09:00–17:00", NINE_TO_FIVE),  # an en dash, as word processors write it
        ("09:00-17:00,", NINE_TO_FIVE),  # a stray trailing comma is harmless
        (
            "09:00-12:30, 13:30-17:00",
            ((dt.time(9), dt.time(12, 30)), (dt.time(13, 30), dt.time(17))),
        ),
        ("09:00-12:30,12:30-17:00", ((dt.time(9), dt.time(12, 30)), (dt.time(12, 30), dt.time(17)))),
        ("closed", ()),
        ("Closed", ()),
        ("gesloten", ()),
        ("", ()),
    ],
)
def test_parse_intervals_accepts(text: str, expected: tuple[Interval, ...]) -> None:
    assert parse_intervals(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9-5pm", "'5pm' is not a time like 09:00"),
        ("17:00-09:00", "in '17:00-09:00' the closing time is not after the opening time"),
        ("12:00-12:00", "in '12:00-12:00' the closing time is not after the opening time"),
        ("09:00", "'09:00' is not a time range like 09:00-17:00"),
        ("9:00 tot 17:00", "'9:00 tot 17:00' is not a time range like 09:00-17:00"),
        ("09:00-12:00-17:00", "'09:00-12:00-17:00' is not a time range like 09:00-17:00"),
        ("09:00-12:00, 11:00-17:00", "'11:00-17:00' overlaps the time range before it"),
        ("25:00-26:00", "'25:00' is not a time like 09:00"),
        ("09:60-10:00", "'09:60' is not a time like 09:00"),
        ("nine-five", "'nine' is not a time like 09:00"),
        ("open", "'open' is not a time range like 09:00-17:00"),
    ],
)
def test_parse_intervals_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_intervals(text)
    assert str(caught.value) == message


# --- moment_nl -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "now", "expected"),
    [
        (at(2026, 1, 6, 9), at(2026, 1, 6, 8), "vandaag om 9.00 uur"),
        (at(2026, 1, 7, 9), at(2026, 1, 6, 18), "morgen om 9.00 uur"),
        (at(2026, 4, 27, 9), at(2026, 4, 24, 18), "maandag 27 april om 9.00 uur"),
        (at(2026, 4, 28, 9), at(2026, 4, 25, 12), "dinsdag 28 april om 9.00 uur"),
        (at(2026, 12, 28, 9), at(2026, 12, 23, 18), "maandag 28 december om 9.00 uur"),
        (at(2027, 1, 4, 13, 30), at(2026, 12, 31, 18), "maandag 4 januari om 13.30 uur"),
    ],
)
def test_moment_nl(moment: dt.datetime, now: dt.datetime, expected: str) -> None:
    assert moment_nl(moment, now) == expected


def test_moment_nl_uses_the_lines_date_not_utc() -> None:
    # 23:30 UTC on Monday is 00:30 on Tuesday in Amsterdam: 9.00 that Tuesday is "today".
    assert moment_nl(at(2026, 1, 6, 9), dt.datetime(2026, 1, 5, 23, 30, tzinfo=UTC)) == "vandaag om 9.00 uur"


def test_moment_nl_with_a_naive_now() -> None:
    assert moment_nl(at(2026, 1, 6, 9), dt.datetime(2026, 1, 5, 20, 0)) == "morgen om 9.00 uur"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 1, 6, 8), "vandaag om 9.00 uur"),
        (at(2026, 1, 6, 18), "morgen om 9.00 uur"),
        (at(2026, 4, 24, 18), "dinsdag 28 april om 9.00 uur"),  # Monday 27 April is Koningsdag
        (at(2026, 4, 27, 10), "morgen om 9.00 uur"),
        (at(2026, 12, 23, 18), "maandag 28 december om 9.00 uur"),
    ],
)
def test_next_opening_in_dutch(hours: OfficeHours, now: dt.datetime, expected: str) -> None:
    status = hours.status(now)
    assert status.next_open is not None
    assert moment_nl(status.next_open, now) == expected

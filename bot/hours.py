"""Office hours of the advice line: open right now, and if not, when it opens next.

Times are in the line's own time zone (Europe/Amsterdam), whatever the server's clock
says. The line is closed on Dutch public holidays and on extra closing days that staff
list in `knowledge/contacts.yaml`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays
import holidays.registry

DAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_NAMES_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTH_NAMES_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
# How far ahead we look for the next opening; a line closed longer than this is "closed until further notice".
LOOKAHEAD_DAYS = 31

Interval = tuple[dt.time, dt.time]


@dataclass(frozen=True, slots=True)
class LineStatus:
    """Whether the line is open at one moment, and the moment that changes it."""

    is_open: bool
    closes_at: dt.datetime | None = None
    next_open: dt.datetime | None = None
    closed_because: str | None = None


@dataclass(frozen=True, slots=True)
class OfficeHours:
    timezone: str
    weekly: tuple[tuple[Interval, ...], ...]  # seven days, Monday first
    closing_days: frozenset[dt.date] = frozenset()
    public_holidays: str | None = "NL"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def closed_reason(self, day: dt.date) -> str | None:
        """Why the line is closed all day on `day`, if it is a holiday or closing day."""
        if day in self.closing_days:
            return "extra sluitingsdag"
        if self.public_holidays:
            name = _holiday_calendar(self.public_holidays, day.year).get(day)
            if name:
                return str(name)
        return None

    def intervals_on(self, day: dt.date) -> tuple[Interval, ...]:
        if self.closed_reason(day):
            return ()
        return self.weekly[day.weekday()]

    def status(self, now: dt.datetime) -> LineStatus:
        """Open or closed at `now` (any time zone; naive means the line's own zone)."""
        local = now.astimezone(self.zone) if now.tzinfo else now.replace(tzinfo=self.zone)
        today = local.date()
        for start, end in self.intervals_on(today):
            if start <= local.time() < end:
                return LineStatus(True, closes_at=self._at(today, end))
        return LineStatus(False, next_open=self.next_opening(local), closed_because=self.closed_reason(today))

    def next_opening(self, local: dt.datetime) -> dt.datetime | None:
        for offset in range(LOOKAHEAD_DAYS + 1):
            day = local.date() + dt.timedelta(days=offset)
            for start, _end in self.intervals_on(day):
                moment = self._at(day, start)
                if moment > local:
                    return moment
        return None

    def _at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.zone)

    def describe(self) -> str:
        """The weekly hours in Dutch, e.g. 'maandag t/m vrijdag van 9.00 tot 17.00 uur'."""
        groups: list[tuple[int, int, tuple[Interval, ...]]] = []
        for index, intervals in enumerate(self.weekly):
            if not intervals:
                continue
            if groups and groups[-1][1] == index - 1 and groups[-1][2] == intervals:
                groups[-1] = (groups[-1][0], index, intervals)
            else:
                groups.append((index, index, intervals))
        if not groups:
            return "op dit moment niet"
        parts = []
        for first, last, intervals in groups:
            if first == last:
                days = f"op {DAY_NAMES_NL[first]}"
            elif last == first + 1:
                days = f"op {DAY_NAMES_NL[first]} en {DAY_NAMES_NL[last]}"
            else:
                days = f"{DAY_NAMES_NL[first]} t/m {DAY_NAMES_NL[last]}"
            times = " en ".join(f"van {clock(s)} tot {clock(e)} uur" for s, e in intervals)
            parts.append(f"{days} {times}")
        return "; ".join(parts)


def clock(time: dt.time) -> str:
    """A time the Dutch way: 9.00, 17.30."""
    return f"{time.hour}.{time.minute:02d}"


def moment_nl(moment: dt.datetime, now: dt.datetime) -> str:
    """'vandaag om 9.00 uur', 'morgen om 9.00 uur' or 'maandag 28 april om 9.00 uur'."""
    local_now = now.astimezone(moment.tzinfo) if now.tzinfo else now.replace(tzinfo=moment.tzinfo)
    days = (moment.date() - local_now.date()).days
    at = f"om {clock(moment.time())} uur"
    if days == 0:
        return f"vandaag {at}"
    if days == 1:
        return f"morgen {at}"
    return f"{DAY_NAMES_NL[moment.weekday()]} {moment.day} {MONTH_NAMES_NL[moment.month - 1]} {at}"


def parse_intervals(text: str) -> tuple[Interval, ...]:
    """Parse '09:00-17:00', '9.00-12.30, 13.30-17.00' or 'closed'; raise ValueError with a reason."""
    cleaned = text.strip().lower()
    if cleaned in {"closed", "gesloten", ""}:
        return ()
    intervals: list[Interval] = []
    for part in (p for p in cleaned.split(",") if p.strip()):
        pieces = [p.strip() for p in part.replace("–", "-").split("-")]
        if len(pieces) != 2:
            raise ValueError(f"'{part.strip()}' is not a time range like 09:00-17:00")
        start, end = (_parse_time(p) for p in pieces)
        if end <= start:
            raise ValueError(f"in '{part.strip()}' the closing time is not after the opening time")
        if intervals and start < intervals[-1][1]:
            raise ValueError(f"'{part.strip()}' overlaps the time range before it")
        intervals.append((start, end))
    return tuple(intervals)


def _parse_time(text: str) -> dt.time:
    normal = text.replace(".", ":")
    try:
        hour_s, minute_s = normal.split(":") if ":" in normal else (normal, "0")
        return dt.time(int(hour_s), int(minute_s))
    except ValueError:
        raise ValueError(f"'{text}' is not a time like 09:00") from None


@functools.lru_cache(maxsize=16)
def _holiday_calendar(country: str, year: int) -> holidays.HolidayBase:
    # Dutch names ("Koningsdag") where the package has them.
    try:
        return holidays.country_holidays(country, years=year, language="nl")
    except (NotImplementedError, KeyError):  # pragma: no cover - depends on the package's translations
        return holidays.country_holidays(country, years=year)


def is_known_country(code: str) -> bool:
    """Whether the holidays package has a calendar for this country code ('NL').

    Looked up in the package's registry: building a calendar costs a tenth of a second of start-up.
    """
    return any(names[1] == code for names in holidays.registry.COUNTRIES.values())

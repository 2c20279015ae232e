"""Checking the knowledge files: every mistake staff can make is reported with file, line and what to do.

Each test copies the real `knowledge/` folder into a temporary folder, breaks one thing
and pins the exact problem(s) the check reports. Most mistakes are made in the entry
'jos-voor-wie', which no other entry lists under `related`, so a broken entry does not
drag in reports about other entries. Line numbers are looked up in the edited text, so
the tests keep working when staff edit the real files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot import cli
from bot.knowledge import DATA_FILES, MESSAGE_KEYS, SMALLTALK_MESSAGES, Knowledge, LoadResult, load_knowledge
from bot.problems import Problem, error, summary, warning
from bot.screening import SmalltalkScreen

ROOT = Path(__file__).resolve().parent.parent
REAL_KNOWLEDGE = ROOT / "knowledge"
SEED_SOURCES = {"000_7e7e6da15bc589bb.txt", "001_1980e552b89b0d22.txt"}

# The entry most tests break, and how the check names it.
JOS = "faq-jos.yaml"
JOS_SHOWN = "knowledge/faq-jos.yaml"
ENTRY = "jos-voor-wie"
AT_ENTRY = "entry 'jos-voor-wie'"

ENTRY_KEYS = "The keys allowed here are: id, question, alternates, answer, topic, audience, related, source."
QUOTE_HINT = (
    'Put it between double quotes, e.g. "no"; words like yes, no, on and off and numbers need quotes '
    "to be read as text."
)
YAML_HINT = (
    "Check this line and the one above it: indentation must line up with the lines around it, a text "
    "containing ': ' or starting with a quote, '-', '{' or '[' must be put between double quotes, and "
    "quotes must be closed."
)
HOURS_HINT = 'Write them as "09:00-17:00", several ranges as "09:00-12:30, 13:30-17:00", or "closed".'
RELATED_HINT = "Use the id of an existing entry, or remove it from the list."
MISSING_FILE_HINT = "Restore it from the repository (git checkout), the bot needs it."
CONTACT_PLACEHOLDERS = "{advieslijn}, {email}, {kantooruren}, {telefoon}"


# --- helpers -----------------------------------------------------------------------


@pytest.fixture
def kdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real knowledge folder at tmp_path/knowledge, with tmp_path as working directory."""
    target = tmp_path / "knowledge"
    shutil.copytree(REAL_KNOWLEDGE, target)
    monkeypatch.chdir(tmp_path)
    return target


def read(kdir: Path, name: str) -> str:
    return (kdir / name).read_text(encoding="utf-8")


def write(kdir: Path, name: str, text: str) -> None:
    (kdir / name).write_text(text, encoding="utf-8")


def edit(kdir: Path, name: str, old: str, new: str) -> None:
    """Replace `old` (which must occur exactly once) by `new` in one knowledge file."""
    text = read(kdir, name)
    assert text.count(old) == 1, f"{old!r} should occur once in {name}"
    write(kdir, name, text.replace(old, new))


def _entry_span(text: str, entry_id: str) -> tuple[int, int]:
    start = text.index(f"  - id: {entry_id}\n")
    end = text.find("\n  - id: ", start + 1)
    return start, len(text) if end == -1 else end + 1


def edit_entry(kdir: Path, name: str, entry_id: str, old: str, new: str) -> None:
    """Replace `old` (exactly once) by `new` inside one entry of an FAQ file."""
    text = read(kdir, name)
    start, end = _entry_span(text, entry_id)
    block = text[start:end]
    assert block.count(old) == 1, f"{old!r} should occur once in entry {entry_id}"
    write(kdir, name, text[:start] + block.replace(old, new) + text[end:])


def replace_key(kdir: Path, name: str, entry_id: str, key: str, new: str) -> None:
    """Replace the line `key: ...` of an entry and its indented continuation lines by `new`."""
    text = read(kdir, name)
    start, end = _entry_span(text, entry_id)
    lines = text[start:end].splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith(f"    {key}:"))
    last = first + 1
    while last < len(lines) and lines[last].startswith("      "):
        last += 1
    block = "".join(lines[:first]) + new + "".join(lines[last:])
    write(kdir, name, text[:start] + block + text[end:])


def line_of(kdir: Path, name: str, needle: str) -> int:
    """The line number (from 1) of the one line of a file that contains `needle`."""
    found = [n for n, line in enumerate(read(kdir, name).splitlines(), 1) if needle in line]
    assert len(found) == 1, f"{needle!r} should be on one line of {name}, found {found}"
    return found[0]


def entry_lines(kdir: Path, name: str, entry_id: str, key: str) -> list[int]:
    """The lines of `key:` in one entry (the `- id:` line for key 'id')."""
    text = read(kdir, name)
    start, end = _entry_span(text, entry_id)
    first = text.count("\n", 0, start) + 1
    return [
        first + offset
        for offset, line in enumerate(text[start:end].splitlines())
        if re.match(rf"    {key}:|  - {key}:", line)
    ]


def entry_line(kdir: Path, name: str, entry_id: str, key: str = "id") -> int:
    """The line of `key:` in an entry, which must have it once."""
    [line] = entry_lines(kdir, name, entry_id, key)
    return line


def check(kdir: Path) -> LoadResult:
    return load_knowledge(kdir)


def assert_errors(result: LoadResult, *expected: Problem) -> None:
    """The check found exactly these problems, and refused to give knowledge."""
    assert list(result.problems) == list(expected)
    assert result.knowledge is None
    assert not result.ok


# --- the real knowledge ------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Knowledge:
    """The real knowledge folder, loaded once."""
    knowledge = load_knowledge(REAL_KNOWLEDGE).knowledge
    assert knowledge is not None
    return knowledge


def test_real_knowledge_loads_without_problems() -> None:
    result = load_knowledge(REAL_KNOWLEDGE)
    assert [p.format() for p in result.problems] == []
    assert result.knowledge is not None
    assert len(result.knowledge.entries) > 0


def test_every_entry_follows_the_content_rules(real: Knowledge) -> None:
    knowledge = real
    ids = {entry.id for entry in knowledge.entries}
    assert len(ids) == len(knowledge.entries)
    for entry in knowledge.entries:
        assert len(entry.alternates) >= 6, entry.id
        assert 0 < len(entry.answer) <= 900, entry.id
        assert "{" not in entry.answer and "}" not in entry.answer, entry.id  # placeholders filled in
        assert entry.source in SEED_SOURCES, entry.id
        assert entry.audience in {"parents", "professionals", "both"}, entry.id
        assert set(entry.related) <= ids, entry.id
        assert entry.id not in entry.related, entry.id


def test_contacts_of_the_advice_line(real: Knowledge) -> None:
    knowledge = real
    contacts = knowledge.contacts
    assert contacts.name == "JEP Advieslijn"
    assert contacts.phone == "070 - 333 4558"
    assert contacts.email == "platformjep@minszw.nl"
    assert contacts.placeholders() == {
        "telefoon": "070 - 333 4558",
        "email": "platformjep@minszw.nl",
        "advieslijn": "JEP Advieslijn",
        "kantooruren": "maandag t/m vrijdag van 9.00 tot 17.00 uur",
    }


def test_copy_of_the_real_knowledge_loads_cleanly(kdir: Path) -> None:
    result = check(kdir)
    assert result.problems == ()
    assert result.knowledge is not None
    # Files are shown relative to the working directory, as staff see them.
    assert all(name.startswith("knowledge/") for name in result.knowledge.files)
    assert "knowledge/faq-jos.yaml" in result.knowledge.files
    assert "knowledge/contacts.yaml" in result.knowledge.files


# --- mistakes in FAQ entries ---------------------------------------------------------


def test_unknown_key_in_entry_suggests_the_nearest(kdir: Path) -> None:
    edit_entry(kdir, JOS, ENTRY, "    answer: >-\n", "    anwser: >-\n")
    result = check(kdir)
    unknown = error(
        JOS_SHOWN,
        entry_line(kdir, JOS, ENTRY, "anwser"),
        "unknown key 'anwser'.",
        f"Did you mean 'answer'? {ENTRY_KEYS}",
        AT_ENTRY,
    )
    # One mistake, one message: the misspelt key, not also "'answer' is missing".
    assert_errors(result, unknown)
    line = entry_line(kdir, JOS, ENTRY, "anwser")
    assert unknown.format() == (
        f"==> File knowledge/faq-jos.yaml, line {line}\n"
        "==> At entry 'jos-voor-wie'\n"
        "=====> Error: unknown key 'anwser'.\n"
        "       What to do: Did you mean 'answer'? The keys allowed here are: id, question, alternates, answer, "
        "topic, audience, related, source."
    )


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("source", "Add a line 'source:' with a piece of text. For example: source: 000_7e7e6da15bc589bb.txt"),
        ("topic", "Add a line 'topic:' with a piece of text. For example: topic: Ouders"),
        (
            "question",
            "Add a line 'question:' with a piece of text. For example: question: Kan een jongerenwerker ouders helpen?",
        ),
        ("alternates", "Add a line 'alternates:' with a list of texts (each on its own line starting with '- ')."),
    ],
)
def test_missing_required_field(kdir: Path, key: str, hint: str) -> None:
    replace_key(kdir, JOS, ENTRY, key, "")
    result = check(kdir)
    assert_errors(
        result, error(JOS_SHOWN, entry_line(kdir, JOS, ENTRY), f"the key '{key}' is missing.", hint, AT_ENTRY)
    )


def test_missing_related_is_fine(kdir: Path) -> None:
    replace_key(kdir, JOS, ENTRY, "related", "")
    result = check(kdir)
    assert result.problems == ()
    assert result.knowledge is not None
    entry = result.knowledge.get(ENTRY)
    assert entry is not None
    assert entry.related == ()


def test_wrong_type_for_alternates(kdir: Path) -> None:
    replace_key(kdir, JOS, ENTRY, "alternates", '    alternates: "one text"\n')
    result = check(kdir)
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            entry_line(kdir, JOS, ENTRY, "alternates"),
            "'alternates' should be a list of texts (each on its own line starting with '- '), "
            "but it is a piece of text.",
            "Write a list of texts (each on its own line starting with '- ') after 'alternates:'.",
            AT_ENTRY,
        ),
    )


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("no", "item 10 of 'alternates' (no) is read as 'false', not as text."),
        ("yes", "item 10 of 'alternates' (yes) is read as 'true', not as text."),
        ("off", "item 10 of 'alternates' (off) is read as 'false', not as text."),
        ("1998", "item 10 of 'alternates' (1998) is read as the number 1998, not as text."),
    ],
)
def test_alternate_that_yaml_does_not_read_as_text(kdir: Path, written: str, message: str) -> None:
    edit_entry(kdir, JOS, ENTRY, "      - meedoen aan jos als docent\n", f"      - {written}\n")
    result = check(kdir)
    line = line_of(kdir, JOS, f"      - {written}")
    assert_errors(result, error(JOS_SHOWN, line, message, QUOTE_HINT, AT_ENTRY))


def test_quoted_no_is_read_as_text(kdir: Path) -> None:
    edit_entry(kdir, JOS, ENTRY, "      - meedoen aan jos als docent\n", '      - "no"\n')
    result = check(kdir)
    assert result.problems == ()
    assert result.knowledge is not None
    entry = result.knowledge.get(ENTRY)
    assert entry is not None
    assert "no" in entry.alternates


def test_duplicate_id_across_two_files(kdir: Path) -> None:
    edit_entry(kdir, JOS, ENTRY, f"  - id: {ENTRY}\n", "  - id: onderwijs-kinderwerk-basisschool\n")
    result = check(kdir)
    first_line = line_of(kdir, JOS, "- id: onderwijs-kinderwerk-basisschool")
    assert_errors(
        result,
        error(
            "knowledge/faq-onderwijs.yaml",
            line_of(kdir, "faq-onderwijs.yaml", "- id: onderwijs-kinderwerk-basisschool"),
            f"the id 'onderwijs-kinderwerk-basisschool' is used twice (also in knowledge/faq-jos.yaml, "
            f"line {first_line}).",
            "Every entry needs its own id; rename one of them (and update any 'related' lists).",
            "entry 'onderwijs-kinderwerk-basisschool'",
        ),
    )


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        ("jos-wat-iz", f"Did you mean 'jos-wat-is'? {RELATED_HINT}"),
        ("jos-platformjep", f"Did you mean 'jos-platform-jep'? {RELATED_HINT}"),
        ("bestaat-helemaal-niet", RELATED_HINT),
    ],
)
def test_related_points_to_unknown_id(kdir: Path, wrong: str, hint: str) -> None:
    edit_entry(kdir, JOS, ENTRY, "related: [jos-wat-is, jos-platform-jep]", f"related: [{wrong}, jos-wat-is]")
    result = check(kdir)
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            entry_line(kdir, JOS, ENTRY),
            f"'related' points to '{wrong}', but there is no entry with that id.",
            hint,
            AT_ENTRY,
        ),
    )


def test_related_listing_the_entry_itself_is_a_warning(kdir: Path) -> None:
    edit_entry(kdir, JOS, ENTRY, "related: [jos-wat-is, jos-platform-jep]", f"related: [jos-wat-is, {ENTRY}]")
    result = check(kdir)
    assert result.problems == (
        warning(
            JOS_SHOWN,
            entry_line(kdir, JOS, ENTRY),
            "'related' lists the entry itself ('jos-voor-wie').",
            "Remove it from 'related'.",
            AT_ENTRY,
        ),
    )
    assert result.knowledge is not None


@pytest.mark.parametrize("empty", ['""', '"   "'])
def test_empty_answer(kdir: Path, empty: str) -> None:
    replace_key(kdir, JOS, ENTRY, "answer", f"    answer: {empty}\n")
    result = check(kdir)
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            entry_line(kdir, JOS, ENTRY, "answer"),
            "'answer' is empty.",
            "Write a piece of text after 'answer:'.",
            AT_ENTRY,
        ),
    )


def test_answer_of_900_characters_is_allowed(kdir: Path) -> None:
    # "Bel 070 - 333 4558. " is 20 characters once {telefoon} is filled in.
    replace_key(kdir, JOS, ENTRY, "answer", f'    answer: "Bel {{telefoon}}. {"a" * 880}"\n')
    result = check(kdir)
    assert result.problems == ()
    assert result.knowledge is not None
    entry = result.knowledge.get(ENTRY)
    assert entry is not None
    assert len(entry.answer) == 900


def test_over_long_answer_counts_filled_in_contact_details(kdir: Path) -> None:
    # 897 characters as written, 901 with the phone number filled in.
    replace_key(kdir, JOS, ENTRY, "answer", f'    answer: "Bel {{telefoon}}. {"a" * 881}"\n')
    result = check(kdir)
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            entry_line(kdir, JOS, ENTRY, "answer"),
            "the answer is 901 characters long (contact details filled in); the maximum is 900.",
            "Shorten it, or split it into two entries that each answer one question.",
            AT_ENTRY,
        ),
    )


def test_unknown_placeholder_in_answer(kdir: Path) -> None:
    edit_entry(kdir, JOS, ENTRY, "via {telefoon} of {email}.", "via {telefon} of {email}.")
    result = check(kdir)
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            entry_line(kdir, JOS, ENTRY, "answer"),
            "the answer uses '{telefon}', which is not a known placeholder.",
            "Did you mean '{telefoon}'? Placeholders are: {telefoon}, {email}, {advieslijn}, {kantooruren}. "
            "To show braces, leave them out of the text.",
            AT_ENTRY,
        ),
    )


def test_unmatched_brace_in_answer(kdir: Path) -> None:
    edit_entry(kdir, JOS, ENTRY, "via {telefoon} of {email}.", "via {telefoon of {email}.")
    result = check(kdir)
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            entry_line(kdir, JOS, ENTRY, "answer"),
            "the answer has an unmatched '{' or '}'.",
            "Placeholders are written as {telefoon}; remove the stray brace.",
            AT_ENTRY,
        ),
    )


@pytest.mark.parametrize("written", ["Wat doet een jongerenwerker?", "wat doet een JONGERENWERKER"])
def test_same_phrasing_under_two_entries(kdir: Path, written: str) -> None:
    # The question of 'jongerenwerk-wat-doet'; case and punctuation do not make it different.
    edit_entry(kdir, JOS, ENTRY, "      - meedoen aan jos als docent\n", f"      - {written}\n")
    result = check(kdir)
    other_line = entry_line(kdir, "faq-jongerenwerk.yaml", "jongerenwerk-wat-doet", "question")
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            line_of(kdir, JOS, f"      - {written}"),
            "the phrasing 'wat doet een jongerenwerker' appears under 'jongerenwerk-wat-doet' and 'jos-voor-wie'.",
            "A phrasing can lead to one entry only; remove it from one of them (see also "
            f"knowledge/faq-jongerenwerk.yaml, line {other_line}).",
            AT_ENTRY,
        ),
    )


def test_near_duplicate_phrasing_is_only_a_warning(kdir: Path) -> None:
    # One letter off an alternate of 'ouders-wat-kan-jongerenwerker'.
    edit_entry(
        kdir,
        JOS,
        ENTRY,
        "      - meedoen aan jos als docent\n",
        "      - wat doet een jongerenwerker voor ouders met opvoedvraag\n",
    )
    result = check(kdir)
    assert result.problems == (
        warning(
            "knowledge/faq-ouders.yaml",
            entry_line(kdir, "faq-ouders.yaml", "ouders-wat-kan-jongerenwerker"),
            "'wat doet een jongerenwerker voor ouders met opvoedvragen' (ouders-wat-kan-jongerenwerker) is almost "
            "the same as 'wat doet een jongerenwerker voor ouders met opvoedvraag' (jos-voor-wie); similarity 97%.",
            "The bot may hesitate between these two entries. Reword one of the phrasings or keep it under one "
            "entry only.",
            "entry 'ouders-wat-kan-jongerenwerker'",
        ),
    )
    assert result.knowledge is not None
    assert result.ok


@pytest.mark.parametrize("value", ["Jos Voor Wie", "jos_voor_wie", "jos-voor-wie-", "JOS-voor-wie", "jos-" + "x" * 37])
def test_bad_id(kdir: Path, value: str) -> None:
    edit_entry(kdir, JOS, ENTRY, f"  - id: {ENTRY}\n", f"  - id: {value}\n")
    result = check(kdir)
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            line_of(kdir, JOS, f"- id: {value}"),
            f"the id '{value}' has characters or a length that are not allowed.",
            "Use at most 40 lowercase letters, digits and dashes, e.g. 'ouders-opvoedvragen'.",
            f"entry '{value}'",
        ),
    )


def test_id_of_40_characters_is_allowed(kdir: Path) -> None:
    long_id = "jos-" + "x" * 36
    edit_entry(kdir, JOS, ENTRY, f"  - id: {ENTRY}\n", f"  - id: {long_id}\n")
    result = check(kdir)
    assert result.problems == ()
    assert result.knowledge is not None
    assert result.knowledge.get(long_id) is not None


@pytest.mark.parametrize(
    ("audience", "hint"),
    [
        ("profesionals", "Did you mean 'professionals'? Use one of: parents, professionals, both."),
        ("parent", "Did you mean 'parents'? Use one of: parents, professionals, both."),
        ("iedereen", "Use one of: parents, professionals, both."),
    ],
)
def test_invalid_audience(kdir: Path, audience: str, hint: str) -> None:
    edit_entry(kdir, JOS, ENTRY, "    audience: professionals\n", f"    audience: {audience}\n")
    result = check(kdir)
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            entry_line(kdir, JOS, ENTRY, "audience"),
            f"'{audience}' is not a valid audience.",
            hint,
            AT_ENTRY,
        ),
    )


# --- YAML layout ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "old", "new", "needle", "found"),
    [
        (
            JOS,
            "      - doelgroep van het jos traject\n",
            "    - doelgroep van het jos traject\n",
            "    - doelgroep van het jos traject",
            "'-'",
        ),
        (
            "messages.yaml",
            'line_open: "De lijn',
            ' line_open: "De lijn',
            ' line_open: "De lijn',
            "'<block mapping start>'",
        ),
        (
            "contacts.yaml",
            '  monday: "09:00-17:00"',
            '   monday: "09:00-17:00"',
            '   monday: "09:00-17:00"',
            "'<block mapping start>'",
        ),
    ],
)
def test_yaml_syntax_error_points_at_the_line(
    kdir: Path, name: str, old: str, new: str, needle: str, found: str
) -> None:
    edit(kdir, name, old, new)
    result = check(kdir)
    expected = error(
        f"knowledge/{name}",
        line_of(kdir, name, needle),
        "YAML syntax error: this line is indented differently from the lines around it.",
        YAML_HINT,
    )
    # A broken FAQ file loses its entries, so other files may get follow-up reports; this file gets one.
    assert [p for p in result.problems if p.file == f"knowledge/{name}"] == [expected]
    assert result.knowledge is None
    if name != JOS:
        assert result.problems == (expected,)


# --- contacts.yaml -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "message", "hint"),
    [
        (
            'monday: "09:00-17:00"',
            'monday: "9-5pm"',
            "monday",
            "the office hours for monday are not valid: '5pm' is not a time like 09:00.",
            HOURS_HINT,
        ),
        (
            'tuesday: "09:00-17:00"',
            'tuesday: "17:00-09:00"',
            "tuesday",
            "the office hours for tuesday are not valid: in '17:00-09:00' the closing time is not after the "
            "opening time.",
            HOURS_HINT,
        ),
        (
            'wednesday: "09:00-17:00"',
            'wednesday: "09:00-12:30, 12:00-17:00"',
            "wednesday",
            "the office hours for wednesday are not valid: '12:00-17:00' overlaps the time range before it.",
            HOURS_HINT,
        ),
        (
            'thursday: "09:00-17:00"',
            'thursday: "09:00"',
            "thursday",
            "the office hours for thursday are not valid: '09:00' is not a time range like 09:00-17:00.",
            HOURS_HINT,
        ),
        (
            "timezone: Europe/Amsterdam",
            "timezone: Europe/Amsterdm",
            "timezone",
            "'Europe/Amsterdm' is not a known time zone.",
            "Use Europe/Amsterdam.",
        ),
        (
            "public_holidays: NL ",
            "public_holidays: XX ",
            "public_holidays",
            "'XX' is not a country code with known public holidays.",
            "Use NL for Dutch public holidays, or remove the line.",
        ),
    ],
)
def test_invalid_office_hours(kdir: Path, old: str, new: str, key: str, message: str, hint: str) -> None:
    edit(kdir, "contacts.yaml", old, new)
    result = check(kdir)
    line = line_of(kdir, "contacts.yaml", f"  {key}:")
    assert_errors(result, error("knowledge/contacts.yaml", line, message, hint, "office_hours"))


def test_office_hours_as_a_number(kdir: Path) -> None:
    edit(kdir, "contacts.yaml", 'friday: "09:00-17:00"', "friday: 9")
    result = check(kdir)
    assert_errors(
        result,
        error(
            "knowledge/contacts.yaml",
            line_of(kdir, "contacts.yaml", "friday:"),
            "'friday' should be a piece of text, but it is the number 9.",
            "Write a piece of text after 'friday:'. For example: friday: \"09:00-17:00\"",
            "office_hours",
        ),
    )


def test_closed_every_day_is_a_warning(kdir: Path) -> None:
    text = read(kdir, "contacts.yaml")
    write(kdir, "contacts.yaml", text.replace('"09:00-17:00"', "closed"))
    result = check(kdir)
    assert result.problems == (
        warning(
            "knowledge/contacts.yaml",
            line_of(kdir, "contacts.yaml", "office_hours:"),
            "the advice line is closed on every day of the week.",
            'Fill in the opening hours per day, e.g. monday: "09:00-17:00".',
            "office_hours",
        ),
    )
    assert result.knowledge is not None


@pytest.mark.parametrize("written", ["31 december", "24-12-2026", "morgen"])
def test_closing_day_that_is_not_a_date(kdir: Path, written: str) -> None:
    edit(kdir, "contacts.yaml", "  - 2026-12-31", f"  - {written}")
    result = check(kdir)
    assert_errors(
        result,
        error(
            "knowledge/contacts.yaml",
            line_of(kdir, "contacts.yaml", f"  - {written}"),
            f"'{written}' is not a date.",
            "Write closing days as YYYY-MM-DD, e.g. - 2026-12-24.",
            "closing_days",
        ),
    )


# --- the other data files ------------------------------------------------------------


@pytest.mark.parametrize("name", DATA_FILES)
def test_missing_data_file(kdir: Path, name: str) -> None:
    (kdir / name).unlink()
    result = check(kdir)
    assert_errors(result, error(f"knowledge/{name}", None, "this file is missing.", MISSING_FILE_HINT))
    assert result.problems[0].format() == (
        f"==> File knowledge/{name}\n"
        "=====> Error: this file is missing.\n"
        "       What to do: Restore it from the repository (git checkout), the bot needs it."
    )


def test_same_synonym_under_two_terms(kdir: Path) -> None:
    # 'jeugdwerk' already stands under 'jongerenwerk'.
    edit(kdir, "synonyms.yaml", "  wijk: [buurt,", "  wijk: [jeugdwerk, buurt,")
    result = check(kdir)
    assert_errors(
        result,
        error(
            "knowledge/synonyms.yaml",
            line_of(kdir, "synonyms.yaml", "  wijk: ["),
            "'jeugdwerk' is listed as a synonym of both 'jongerenwerk' and 'wijk'.",
            "A word can stand for one term only; remove it from one of the two lists.",
            "synonyms → wijk",
        ),
    )


@pytest.mark.parametrize(
    ("old", "new", "key", "message", "hint"),
    [
        (
            "De medewerkers van de {advieslijn}\n  denken",
            "De medewerkers van de {adviselijn}\n  denken",
            "no_match",
            "the text uses '{adviselijn}', which is not a known placeholder here.",
            f"Did you mean '{{advieslijn}}'? Placeholders for this text: {CONTACT_PLACEHOLDERS}.",
        ),
        (
            'line_closed_long: "De lijn is voorlopig gesloten.',
            'line_closed_long: "De lijn is voorlopig gesloten tot {opent}.',
            "line_closed_long",
            "the text uses '{opent}', which is not a known placeholder here.",
            f"Placeholders for this text: {CONTACT_PLACEHOLDERS}.",
        ),
        (
            'none_of_these: "Geen van deze"',
            'none_of_these: "Geen van deze, bel {telefoon}"',
            "none_of_these",
            "the text uses '{telefoon}', which is not a known placeholder here.",
            "Placeholders for this text: none.",
        ),
    ],
)
def test_unknown_placeholder_in_messages(kdir: Path, old: str, new: str, key: str, message: str, hint: str) -> None:
    edit(kdir, "messages.yaml", old, new)
    result = check(kdir)
    assert_errors(
        result,
        error("knowledge/messages.yaml", line_of(kdir, "messages.yaml", f"{key}:"), message, hint, f"key '{key}'"),
    )


def test_unknown_key_in_messages(kdir: Path) -> None:
    edit(kdir, "messages.yaml", "no_match: >-", "no_matsh: >-")
    result = check(kdir)
    line = line_of(kdir, "messages.yaml", "no_matsh:")
    assert_errors(
        result,
        # One mistake, one message: not also "the key 'no_match' is missing".
        error(
            "knowledge/messages.yaml",
            line,
            "unknown key 'no_matsh'.",
            # The wording is pinned; the list of texts grows with the bot, so it is taken from the code.
            f"Did you mean 'no_match'? The keys allowed here are: {', '.join(MESSAGE_KEYS)}.",
        ),
    )


def test_key_twice_in_one_entry(kdir: Path) -> None:
    edit_entry(
        kdir, JOS, ENTRY, "    audience: professionals\n", "    audience: professionals\n    topic: Het JOS-traject\n"
    )
    result = check(kdir)
    first, second = entry_lines(kdir, JOS, ENTRY, "topic")
    assert_errors(
        result,
        error(
            JOS_SHOWN,
            second,
            f"the key 'topic' appears twice here (first on line {first}).",
            "Keep one of the two; only the last one would be used.",
        ),
    )


def test_key_twice_in_contacts(kdir: Path) -> None:
    edit(kdir, "contacts.yaml", '  friday: "09:00-17:00"\n', '  friday: "09:00-17:00"\n  monday: "10:00-17:00"\n')
    result = check(kdir)
    first = line_of(kdir, "contacts.yaml", '  monday: "09:00-17:00"')
    assert_errors(
        result,
        error(
            "knowledge/contacts.yaml",
            line_of(kdir, "contacts.yaml", '  monday: "10:00-17:00"'),
            f"the key 'monday' appears twice here (first on line {first}).",
            "Keep one of the two; only the last one would be used.",
        ),
    )


def test_knowledge_folder_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = load_knowledge(tmp_path / "kennis")
    assert_errors(
        result,
        error(
            "kennis",
            None,
            "the knowledge folder does not exist.",
            "Check 'knowledge_dir' in the config file; it should point at the folder with the .yaml files.",
        ),
    )


def test_check_reports_all_problems_in_one_pass(kdir: Path) -> None:
    edit(kdir, "contacts.yaml", "timezone: Europe/Amsterdam", "timezone: Europe/Amsterdm")
    edit(
        kdir,
        "messages.yaml",
        "De medewerkers van de {advieslijn}\n  denken",
        "De medewerkers van de {adviselijn}\n  denken",
    )
    edit_entry(kdir, JOS, ENTRY, "    audience: professionals\n", "    audience: profesionals\n")
    result = check(kdir)
    assert_errors(
        result,
        error(
            "knowledge/contacts.yaml",
            line_of(kdir, "contacts.yaml", "timezone:"),
            "'Europe/Amsterdm' is not a known time zone.",
            "Use Europe/Amsterdam.",
            "office_hours",
        ),
        error(
            JOS_SHOWN,
            entry_line(kdir, JOS, ENTRY, "audience"),
            "'profesionals' is not a valid audience.",
            "Did you mean 'professionals'? Use one of: parents, professionals, both.",
            AT_ENTRY,
        ),
        error(
            "knowledge/messages.yaml",
            line_of(kdir, "messages.yaml", "no_match:"),
            "the text uses '{adviselijn}', which is not a known placeholder here.",
            f"Did you mean '{{advieslijn}}'? Placeholders for this text: {CONTACT_PLACEHOLDERS}.",
            "key 'no_match'",
        ),
    )


# --- smalltalk.yaml ------------------------------------------------------------------

SMALLTALK = "smalltalk.yaml"
SMALLTALK_SHOWN = "knowledge/smalltalk.yaml"
AT_HELP = "intents → help"
MESSAGE_HINT = f"Gebruik een van: {', '.join(SMALLTALK_MESSAGES)}."


def test_the_help_intent_sends_the_help_text(real: Knowledge) -> None:
    [intent] = [i for i in real.smalltalk if i.name == "help"]
    assert intent.message == "help"
    assert intent.reply == real.messages.format("help")  # the text of /help, filled in


def test_texts_a_smalltalk_intent_may_send() -> None:
    assert {"help", "welcome", "no_words"} <= set(SMALLTALK_MESSAGES)
    assert "reload_ok" not in SMALLTALK_MESSAGES  # needs {vragen}: only the bot can fill that in


@pytest.mark.parametrize("written", ["", '    reply: ""\n', '    message: " "\n'])
def test_smalltalk_intent_without_reply_or_message(kdir: Path, written: str) -> None:
    edit(kdir, SMALLTALK, "    message: help\n", written)
    assert_errors(
        check(kdir),
        error(
            SMALLTALK_SHOWN,
            line_of(kdir, SMALLTALK, "- name: help"),
            "de intentie 'help' heeft geen 'reply' en geen 'message': de bot weet niet wat hij moet antwoorden.",
            "Zet achter 'reply:' het antwoord, of achter 'message:' de naam van een tekst uit messages.yaml, "
            "bijvoorbeeld 'message: help'.",
            AT_HELP,
        ),
    )


def test_smalltalk_intent_with_reply_and_message(kdir: Path) -> None:
    edit(kdir, SMALLTALK, "    message: help\n", "    reply: Zo werk ik.\n    message: help\n")
    assert_errors(
        check(kdir),
        error(
            SMALLTALK_SHOWN,
            line_of(kdir, SMALLTALK, "    message: help"),
            "de intentie 'help' heeft zowel 'reply' als 'message': de bot weet niet welke hij moet sturen.",
            "Haal er een weg: 'reply' voor een eigen antwoord, of 'message' voor een tekst uit messages.yaml.",
            AT_HELP,
        ),
    )


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("hulp", f"Bedoel je 'help'? {MESSAGE_HINT}"),
        ("reload_ok", MESSAGE_HINT),  # a text of messages.yaml, but one with values only the bot knows
    ],
)
def test_smalltalk_message_that_is_not_a_usable_text(kdir: Path, written: str, hint: str) -> None:
    edit(kdir, SMALLTALK, "    message: help\n", f"    message: {written}\n")
    assert_errors(
        check(kdir),
        error(
            SMALLTALK_SHOWN,
            line_of(kdir, SMALLTALK, f"    message: {written}"),
            f"'{written}' is geen tekst uit messages.yaml die hier kan.",
            hint,
            AT_HELP,
        ),
    )


@pytest.mark.parametrize(
    ("written", "message", "hint"),
    [
        (
            '"?!"',
            "de zin '?!' bestaat alleen uit leestekens; die herkent de bot niet.",
            "Schrijf woorden zoals mensen ze typen, of een emoji zoals 👍. Of haal de zin weg.",
        ),
        ('""', "er staat een lege zin in 'phrases'.", "Haal de lege zin weg."),
    ],
)
def test_smalltalk_phrase_without_words(kdir: Path, written: str, message: str, hint: str) -> None:
    edit(kdir, SMALLTALK, "      help, help me,", f"      help, {written}, help me,")
    assert_errors(check(kdir), error(SMALLTALK_SHOWN, line_of(kdir, SMALLTALK, written), message, hint, AT_HELP))


def test_smalltalk_phrase_under_two_intents_is_a_warning(kdir: Path) -> None:
    edit(kdir, SMALLTALK, "      ja, jawel,", "      ja, ok, jawel,")
    result = check(kdir)
    assert list(result.problems) == [
        warning(
            SMALLTALK_SHOWN,
            line_of(kdir, SMALLTALK, "      ja, ok, jawel,"),
            "'ok' staat ook bij de intentie 'acknowledgement'; die staat hoger en wint.",
            "Haal 'ok' weg bij een van de twee intenties.",
            "intents → yes_no",
        )
    ]
    assert result.knowledge is not None


def test_an_emoji_is_a_phrase(kdir: Path) -> None:
    edit(kdir, SMALLTALK, "      help, help me,", "      help, ❓, help me,")
    result = check(kdir)
    assert result.problems == ()
    assert result.knowledge is not None
    screen = SmalltalkScreen(result.knowledge.smalltalk, result.knowledge.smalltalk_fillers, ())
    hit = screen.screen("❓❓")
    assert hit.intent is not None and hit.intent.name == "help"


# --- known weak spots: these document behaviour that should change ---------------------


def test_closing_day_that_is_an_impossible_date(kdir: Path) -> None:
    edit(kdir, "contacts.yaml", "  - 2026-12-31", "  - 2026-13-31")
    result = check(kdir)
    assert result.knowledge is None
    assert [p.line for p in result.problems] == [line_of(kdir, "contacts.yaml", "  - 2026-13-31")]


def test_unclosed_quote_points_at_the_quote(kdir: Path) -> None:
    edit_entry(kdir, JOS, ENTRY, "      - doelgroep van het jos traject\n", '      - "doelgroep van het jos traject\n')
    result = check(kdir)
    [problem] = [p for p in result.problems if p.file == JOS_SHOWN]
    assert problem.message.startswith("YAML syntax error")
    assert problem.line == line_of(kdir, JOS, '- "doelgroep van het jos traject')


def test_answer_with_nothing_after_it_is_reported_once(kdir: Path) -> None:
    replace_key(kdir, JOS, ENTRY, "answer", "    answer:\n")
    result = check(kdir)
    assert len(result.problems) == 1


def test_broken_entry_is_not_reported_as_missing_in_related(kdir: Path) -> None:
    # Other entries list 'ouders-doorverwijzen' under `related`.
    edit_entry(kdir, "faq-ouders.yaml", "ouders-doorverwijzen", "    audience: parents\n", "    audience: ouders\n")
    result = check(kdir)
    assert [p.message for p in result.problems] == ["'ouders' is not a valid audience."]


def test_contacts_error_does_not_hide_answer_errors(kdir: Path) -> None:
    edit(kdir, "contacts.yaml", "timezone: Europe/Amsterdam", "timezone: Europe/Amsterdm")
    edit_entry(kdir, JOS, ENTRY, "via {telefoon} of {email}.", "via {telefon} of {email}.")
    result = check(kdir)
    assert len(result.problems) == 2


# --- python -m bot check ---------------------------------------------------------------


def run_check(kdir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    config = kdir.parent / "config.yaml"
    config.write_text("knowledge_dir: knowledge\n", encoding="utf-8")
    code = cli.main(["--config", str(config), "check"])
    return code, capsys.readouterr().out


def test_cli_check_clean(kdir: Path, capsys: pytest.CaptureFixture[str], real: Knowledge) -> None:
    knowledge = real
    code, out = run_check(kdir, capsys)
    assert code == 0
    phrasings = sum(len(e.phrasings) for e in knowledge.entries)
    assert out == (
        f"Checked config.yaml and {len(knowledge.files)} knowledge files: {len(knowledge.entries)} entries, "
        f"{phrasings} phrasings, "
        f"{len(knowledge.topics)} topics.\n"
    )


def test_cli_check_with_errors_exits_1(kdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_entry(kdir, JOS, ENTRY, "via {telefoon} of {email}.", "via {telefon} of {email}.")
    edit_entry(kdir, JOS, ENTRY, "    audience: professionals\n", "    audience: profesionals\n")
    code, out = run_check(kdir, capsys)
    assert code == 1
    answer_line = entry_line(kdir, JOS, ENTRY, "answer")
    audience_line = entry_line(kdir, JOS, ENTRY, "audience")
    assert out == (
        f"==> File knowledge/faq-jos.yaml, line {answer_line}\n"
        "==> At entry 'jos-voor-wie'\n"
        "=====> Error: the answer uses '{telefon}', which is not a known placeholder.\n"
        "       What to do: Did you mean '{telefoon}'? Placeholders are: {telefoon}, {email}, {advieslijn}, "
        "{kantooruren}. To show braces, leave them out of the text.\n"
        "\n"
        f"==> File knowledge/faq-jos.yaml, line {audience_line}\n"
        "==> At entry 'jos-voor-wie'\n"
        "=====> Error: 'profesionals' is not a valid audience.\n"
        "       What to do: Did you mean 'professionals'? Use one of: parents, professionals, both.\n"
        "\n"
        "2 errors. The bot will not start until the errors are fixed.\n"
    )


def test_cli_check_with_warnings_only_exits_0(kdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_entry(kdir, JOS, ENTRY, "related: [jos-wat-is, jos-platform-jep]", f"related: [jos-wat-is, {ENTRY}]")
    code, out = run_check(kdir, capsys)
    assert code == 0
    result = check(kdir)
    assert result.knowledge is not None
    [problem] = result.problems
    assert not problem.is_error
    assert summary([problem]) == "1 warning. The bot can run; please look at the warnings."
    assert out.startswith(
        f"==> File knowledge/faq-jos.yaml, line {entry_line(kdir, JOS, ENTRY)}\n"
        "==> At entry 'jos-voor-wie'\n"
        "=====> Warning: 'related' lists the entry itself ('jos-voor-wie').\n"
        "       What to do: Remove it from 'related'.\n"
        "\n"
        "1 warning. The bot can run; please look at the warnings.\n"
        f"Checked config.yaml and {len(result.knowledge.files)} knowledge files: "
    )


def test_cli_check_with_missing_knowledge_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text("knowledge_dir: kennis\n", encoding="utf-8")
    code = cli.main(["--config", "config.yaml", "check"])
    assert code == 1
    assert capsys.readouterr().out == (
        "==> File kennis\n"
        "=====> Error: the knowledge folder does not exist.\n"
        "       What to do: Check 'knowledge_dir' in the config file; it should point at the folder with the "
        ".yaml files.\n"
        "\n"
        "1 error. The bot will not start until the errors are fixed.\n"
    )


@pytest.mark.parametrize(
    ("problems", "expected"),
    [
        ([], "No problems found."),
        ([error("f", 1, "m", "h")], "1 error. The bot will not start until the errors are fixed."),
        (
            [error("f", 1, "m", "h"), error("f", 2, "m", "h"), warning("f", 3, "m", "h")],
            "2 errors and 1 warning. The bot will not start until the errors are fixed.",
        ),
        ([warning("f", 3, "m", "h")] * 2, "2 warnings. The bot can run; please look at the warnings."),
    ],
)
def test_summary_line(problems: list[Problem], expected: str) -> None:
    assert summary(problems) == expected


@pytest.mark.parametrize("name", ["notities.txt", "faq-ouders.yaml.bak", "faq-oud.json"])
def test_a_file_that_is_not_read_gets_a_warning(kdir: Path, name: str) -> None:
    (kdir / name).write_text("entries: []\n", encoding="utf-8")
    (kdir / ".faq-ouders.yaml.swp").write_text("editor swap file", encoding="utf-8")  # hidden: ignored
    result = check(kdir)
    assert result.knowledge is not None
    assert result.problems == (
        warning(
            f"knowledge/{name}",
            None,
            "this file is in the knowledge folder but is not read (only .yaml files are).",
            "Rename it to end in .yaml if it holds FAQ entries, or move it elsewhere.",
        ),
    )

"""The knowledge base: FAQ entries and the staff-editable data files, loaded and checked.

Everything staff may want to change lives in `knowledge/*.yaml`:

- FAQ files (any name) with a top-level `entries:` list;
- `contacts.yaml`: the advice line's phone, e-mail, office hours and closing days;
- `synonyms.yaml`: words that mean the same for matching, and stop words;
- `crisis.yaml`: the emergency lines and the signals of each crisis family (`crisis.py`);
- `lexicon.yaml`: chat-speak, spelling variants, dialect and slang (`lexicon.py`);
- `smalltalk.yaml`: greetings, thanks, goodbyes, 'ok', 'help' and the like, with their replies.

`load_knowledge` reads them all and reports EVERY problem in one pass, each with file,
line and what to do. It returns no knowledge when there is any error, so a broken edit
is never served.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import string
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz, process

from . import hours
from .crisis import Crisis, check_learned, load_crisis
from .crisiswords import default_model
from .knowledgefiles import missing_from_git, readable_problem
from .lexicon import Lexicon, load_lexicon
from .problems import Problem, error, sort_key, warning
from .schema import Field, check_mapping, nearest
from .text import emoji, fold
from .yamlsource import YamlDoc, read_yaml

logger = logging.getLogger(__name__)

CONTACTS_FILE = "contacts.yaml"
SYNONYMS_FILE = "synonyms.yaml"
CRISIS_FILE = "crisis.yaml"
SMALLTALK_FILE = "smalltalk.yaml"
MESSAGES_FILE = "messages.yaml"
LEXICON_FILE = "lexicon.yaml"
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
DATA_FILES = (CONTACTS_FILE, SYNONYMS_FILE, CRISIS_FILE, SMALLTALK_FILE, MESSAGES_FILE, LEXICON_FILE)

_CONTACT_PLACEHOLDERS = frozenset({"telefoon", "email", "advieslijn", "kantooruren"})
# Every text the bot says of its own, with the placeholders each one may use.
MESSAGE_KEYS: dict[str, frozenset[str]] = {
    "no_match": _CONTACT_PLACEHOLDERS,
    "out_of_scope": _CONTACT_PLACEHOLDERS,
    "declined": _CONTACT_PLACEHOLDERS,
    "advice_line_title": _CONTACT_PLACEHOLDERS,
    "advice_line": _CONTACT_PLACEHOLDERS,
    "line_open": _CONTACT_PLACEHOLDERS | {"sluit"},
    "line_closed": _CONTACT_PLACEHOLDERS | {"opent", "reden"},
    "line_closed_long": _CONTACT_PLACEHOLDERS,
    "clarify": _CONTACT_PLACEHOLDERS,
    "none_of_these": frozenset(),
    "related": frozenset(),
    "empty": _CONTACT_PLACEHOLDERS,
    "no_words": _CONTACT_PLACEHOLDERS,
    "entry_gone": _CONTACT_PLACEHOLDERS,
    # Telegram
    "welcome": _CONTACT_PLACEHOLDERS,
    "welcome_parents": _CONTACT_PLACEHOLDERS,
    "welcome_professionals": _CONTACT_PLACEHOLDERS,
    "help": _CONTACT_PLACEHOLDERS,
    "privacy": _CONTACT_PLACEHOLDERS,
    "contact_intro": _CONTACT_PLACEHOLDERS,
    "text_only": _CONTACT_PLACEHOLDERS,
    "error_apology": _CONTACT_PLACEHOLDERS,
    "feedback_thanks": frozenset(),
    "topics_title": frozenset(),
    "topic_title": frozenset({"onderwerp"}),
    "back": frozenset(),
    "next_page": frozenset(),
    "previous_page": frozenset(),
    "inline_empty": frozenset(),
    "privacy_questions": _CONTACT_PLACEHOLDERS,
    "privacy_retention": frozenset({"dagen"}),
    # staff workflow
    "admin_only": _CONTACT_PLACEHOLDERS,
    "reload_ok": frozenset({"vragen", "bestanden"}),
    "reload_failed": frozenset({"fouten"}),
    "stats": frozenset(
        {
            "dagen",
            "antwoord",
            "verduidelijking",
            "doorverwezen",
            "crisis",
            "duim_op",
            "duim_neer",
            "open_doorgestuurd",
            "vragen",
        }
    ),
    "unanswered_title": frozenset({"aantal"}),
    "unanswered_none": frozenset(),
    "handoff_button": frozenset(),
    "handoff_consent": _CONTACT_PLACEHOLDERS,
    "handoff_yes": frozenset(),
    "handoff_no": frozenset(),
    "handoff_sent": _CONTACT_PLACEHOLDERS | {"wanneer"},
    "handoff_cancelled": _CONTACT_PLACEHOLDERS,
    "handoff_expired": _CONTACT_PLACEHOLDERS,
    "handoff_to_staff": frozenset({"vraag", "nummer"}),
    "handoff_answer": frozenset({"antwoord"}),
    "handoff_delivered": frozenset(),
    "handoff_unknown": frozenset(),
    "forget_confirm": frozenset(),
    "forget_yes": frozenset(),
    "forget_no": frozenset(),
    "forget_done": frozenset({"aantal"}),
    "forget_cancelled": frozenset(),
    "forget_failed": _CONTACT_PLACEHOLDERS,
    # fairness: one chat sending faster than it can be answered
    "slow_down": _CONTACT_PLACEHOLDERS,
}

AUDIENCES = ("parents", "professionals", "both")
MAX_ANSWER_CHARS = 900
MAX_QUESTION_CHARS = 120
MIN_ALTERNATES = 6
MAX_ID_CHARS = 40
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Phrasings this similar (0-100, on folded text) under two different entries get a warning.
NEAR_DUPLICATE_SCORE = 92

ENTRY_FIELDS = (
    Field("id", "text", example="ouders-opvoedvragen"),
    Field("question", "text", example="Kan een jongerenwerker ouders helpen?"),
    Field("alternates", "text_list"),
    Field("answer", "text"),
    Field("topic", "text", example="Ouders"),
    Field("audience", "text", example="both"),
    Field("related", "text_list", required=False, example="[ouders-doorverwijzen]"),
    Field("source", "text", example="000_7e7e6da15bc589bb.txt"),
)
FAQ_FILE_FIELDS = (Field("entries", "list"),)
CONTACTS_FIELDS = (
    Field("advice_line", "mapping"),
    Field("office_hours", "mapping"),
    Field("closing_days", "list", required=False, example="[2026-12-24, 2026-12-31]"),
)
ADVICE_LINE_FIELDS = (
    Field("name", "text", example="JEP Advieslijn"),
    Field("phone", "text", example='"070 - 333 4558"'),
    Field("email", "text", example="platformjep@minszw.nl"),
)
OFFICE_HOURS_FIELDS = (
    Field("timezone", "text", example="Europe/Amsterdam"),
    Field("public_holidays", "text", required=False, example="NL"),
    *(Field(day, "text", example='"09:00-17:00"') for day in hours.DAY_KEYS),
)
SYNONYMS_FIELDS = (
    Field("synonyms", "mapping"),
    Field("stopwords", "text_list"),
    Field("out_of_scope", "text_list", required=False),
    Field("parent_words", "text_list", required=False),
    Field("professional_words", "text_list", required=False),
)
SMALLTALK_FIELDS = (
    Field("intents", "list"),
    Field("fillers", "text_list", required=False),
)
SMALLTALK_INTENT_FIELDS = (
    Field("name", "text", example="greeting"),
    Field("phrases", "text_list"),
    Field("reply", "text", required=False),
    Field("message", "text", required=False, example="help"),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One FAQ entry: a question, the ways people ask it, and our answer."""

    id: str
    question: str
    alternates: tuple[str, ...]
    answer: str
    topic: str
    audience: str
    related: tuple[str, ...]
    source: str
    file: str
    line: int
    phrasing_lines: tuple[int, ...] = field(default=(), compare=False)  # the line of each phrasing

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternates)


@dataclass(frozen=True, slots=True)
class Contacts:
    name: str
    phone: str
    email: str
    office_hours: hours.OfficeHours

    def placeholders(self) -> dict[str, str]:
        """The values staff can use in answers as {telefoon}, {email}, {advieslijn}, {kantooruren}."""
        return {
            "telefoon": self.phone,
            "email": self.email,
            "advieslijn": self.name,
            "kantooruren": self.office_hours.describe(),
        }


@dataclass(frozen=True, slots=True)
class SmalltalkIntent:
    """What people say that is not a question ('hoi', 'ok', 'help'), and the bot's reply.

    `phrases` are words and phrases, or emoji ('👍'). The reply is the intent's own text, or
    the text from messages.yaml named by `message` ('help': the /help text), filled in on loading.
    """

    name: str
    phrases: tuple[str, ...]
    reply: str
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Language:
    """Matching vocabulary: variant word or phrase → canonical term, stop words, off-topic subjects."""

    synonyms: Mapping[str, str]
    stopwords: frozenset[str]
    out_of_scope: tuple[str, ...] = ()
    parent_words: tuple[str, ...] = ()  # "mijn zoon": a parent writes; decides between tied entries
    professional_words: tuple[str, ...] = ()  # "onze leerlingen": a professional writes


@dataclass(frozen=True, slots=True)
class Messages:
    """The bot's own texts from `messages.yaml`, keyed as in `MESSAGE_KEYS`."""

    texts: Mapping[str, str]
    contact_values: Mapping[str, str]

    def format(self, key: str, **values: str) -> str:
        return self.texts[key].format(**self.contact_values, **values)


@dataclass(frozen=True, slots=True)
class Knowledge:
    entries: tuple[Entry, ...]
    contacts: Contacts
    language: Language
    crisis: Crisis
    messages: Messages
    smalltalk: tuple[SmalltalkIntent, ...]
    smalltalk_fillers: frozenset[str]
    files: tuple[str, ...]
    lexicon: Lexicon = field(default_factory=lambda: Lexicon({}))
    by_id: Mapping[str, Entry] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.by_id:
            object.__setattr__(self, "by_id", {e.id: e for e in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    @property
    def topics(self) -> tuple[str, ...]:
        """Browse topics in the order they first appear."""
        return tuple(dict.fromkeys(e.topic for e in self.entries))


@dataclass(frozen=True, slots=True)
class LoadResult:
    knowledge: Knowledge | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.knowledge is not None


class KnowledgeError(Exception):
    """Raised by `require_knowledge` when the files have errors; carries the problems."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__(f"{sum(p.is_error for p in problems)} problem(s) in the knowledge files")
        self.problems = problems


def display_path(path: Path) -> str:
    """A path as staff recognise it: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_knowledge(directory: Path) -> LoadResult:
    """Read and check every knowledge file; the knowledge is None if any error was found."""
    problems: list[Problem] = []
    dir_name = display_path(directory)
    if not directory.is_dir():
        problems.append(
            error(
                dir_name,
                None,
                "the knowledge folder does not exist.",
                "Check 'knowledge_dir' in the config file; it should point at the folder with the .yaml files.",
            )
        )
        return LoadResult(None, tuple(problems))

    docs: dict[str, YamlDoc | None] = {}
    for name in DATA_FILES:
        path = directory / name
        if not path.exists():
            problems.append(
                error(
                    f"{dir_name}/{name}",
                    None,
                    "this file is missing.",
                    "Restore it from the repository (git checkout), the bot needs it.",
                )
            )
            docs[name] = None
            continue
        if (unusable := readable_problem(path, f"{dir_name}/{name}")) is not None:
            problems.append(unusable)
            docs[name] = None
            continue
        doc, found = read_yaml(path, display_path(path))
        problems.extend(found)
        docs[name] = doc

    contacts = _load_contacts(docs[CONTACTS_FILE], problems)
    language = _load_language(docs[SYNONYMS_FILE], problems)
    crisis = load_crisis(docs[CRISIS_FILE], problems, reflow)
    if crisis is not None:
        problems.extend(check_learned(crisis, docs[CRISIS_FILE], default_model()))
    lexicon = load_lexicon(docs[LEXICON_FILE], problems)
    smalltalk, fillers = _load_smalltalk(docs[SMALLTALK_FILE], problems)
    messages = _load_messages(docs[MESSAGES_FILE], contacts, problems)
    if smalltalk is not None and messages is not None:
        smalltalk = tuple(replace(i, reply=messages.format(i.message)) if i.message else i for i in smalltalk)

    faq_paths: list[Path] = []
    unusable_faq = False
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue  # hidden files (editor swap files, .gitkeep) are not ours
        if path.suffix in YAML_SUFFIXES:
            if path.name in DATA_FILES:
                continue
            if (unusable := readable_problem(path, f"{dir_name}/{path.name}")) is not None:
                problems.append(unusable)  # unreadable, empty, or replaced by a folder: named as such
                unusable_faq = True
            else:
                faq_paths.append(path)
        elif path.is_file():  # other folders are not ours
            problems.append(
                warning(
                    display_path(path),
                    None,
                    "this file is in the knowledge folder but is not read (only .yaml files are).",
                    "Rename it to end in .yaml if it holds FAQ entries, or move it elsewhere.",
                )
            )
    # With broken contacts, answers are still checked, with stand-in values of a typical length.
    placeholder_values = contacts.placeholders() if contacts else dict.fromkeys(_CONTACT_PLACEHOLDERS, "x" * 25)
    entries: list[Entry] = []
    seen_ids: set[str] = set()  # ids of every entry, also the ones with errors
    unreadable = unusable_faq  # then `related` pointing into that file is not an error of its own
    for path in faq_paths:
        doc, found = read_yaml(path, display_path(path))
        problems.extend(found)
        if doc is None:
            unreadable = True
        else:
            entries.extend(_load_faq_file(doc, placeholder_values, problems))
            raw = doc.data.get("entries") if isinstance(doc.data, dict) else None
            for item in raw if isinstance(raw, list) else []:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    seen_ids.add(item["id"])
    if not faq_paths:
        problems.append(
            error(
                dir_name,
                None,
                "there are no FAQ files in the knowledge folder.",
                "Add a .yaml file with 'entries:'.",
            )
        )
    _check_across_entries(entries, problems, seen_ids, check_related=not unreadable)
    problems.extend(missing_from_git(directory, dir_name, reported=DATA_FILES))

    problems.sort(key=sort_key)
    files = tuple(display_path(p) for p in faq_paths) + tuple(f"{dir_name}/{n}" for n in DATA_FILES)
    if any(p.is_error for p in problems) or not (
        contacts and language and crisis and messages and smalltalk is not None and lexicon is not None
    ):
        return LoadResult(None, tuple(problems))
    knowledge = Knowledge(
        entries=tuple(entries),
        contacts=contacts,
        language=language,
        crisis=crisis,
        messages=messages,
        smalltalk=smalltalk,
        smalltalk_fillers=fillers,
        files=files,
        lexicon=lexicon,
    )
    logger.info("Loaded %d entries from %d files", len(entries), len(faq_paths))
    return LoadResult(knowledge, tuple(problems))


def require_knowledge(directory: Path) -> Knowledge:
    """Load the knowledge or raise `KnowledgeError` with all problems."""
    result = load_knowledge(directory)
    if result.knowledge is None:
        raise KnowledgeError(result.problems)
    return result.knowledge


_LIST_ITEM = re.compile(r"^\s*(?:[•\-*/]|\d+[.)])\s*")


def reflow(text: str) -> str:
    """Join the lines staff wrapped in their editor; keep blank lines and list items.

    Phones wrap text themselves: a line break in the middle of a sentence shows as a
    ragged line. A line starting with •, -, *, / or '1.' starts a new line.
    """
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines: list[str] = []
        for raw in block.splitlines():
            line = raw.strip()
            if not line:
                continue
            if lines and not _LIST_ITEM.match(line) and not lines[-1].endswith(":"):
                lines[-1] = f"{lines[-1]} {line}"
            else:
                lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(p for p in paragraphs if p)


# --- FAQ entries -------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _load_faq_file(doc: YamlDoc, placeholders: dict[str, str] | None, problems: list[Problem]) -> list[Entry]:
    if doc.data is None:
        problems.append(
            warning(doc.file, 1, "this file is empty.", "Add entries under 'entries:', or delete the file.")
        )
        return []
    top = check_mapping(doc, (), FAQ_FILE_FIELDS, None, problems, what="an FAQ file")
    raw_entries = top.get("entries")
    if raw_entries is None:
        return []
    entries = []
    for index, raw in enumerate(raw_entries):
        entry = _load_entry(doc, index, raw, placeholders, problems)
        if entry is not None:
            entries.append(entry)
    return entries


def _load_entry(
    doc: YamlDoc, index: int, raw: Any, placeholders: dict[str, str] | None, problems: list[Problem]
) -> Entry | None:
    path = ("entries", index)
    line = doc.line(path) or 1
    label = f"entry {index + 1}"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        label = f"entry '{raw['id']}'"
    values = check_mapping(doc, path, ENTRY_FIELDS, label, problems, what="an entry")
    ok = len(values) == len(ENTRY_FIELDS) or ("related" not in values and len(values) == len(ENTRY_FIELDS) - 1)

    def at_line(key: str) -> int:
        return doc.line((*path, key)) or line

    entry_id = values.get("id", "")
    if "id" in values and (not ID_PATTERN.match(entry_id) or len(entry_id) > MAX_ID_CHARS):
        problems.append(
            error(
                doc.file,
                at_line("id"),
                f"the id '{entry_id}' has characters or a length that are not allowed.",
                f"Use at most {MAX_ID_CHARS} lowercase letters, digits and dashes, e.g. 'ouders-opvoedvragen'.",
                label,
            )
        )
        ok = False
    question = " ".join(values.get("question", "").split())
    if len(question) > MAX_QUESTION_CHARS:
        problems.append(
            warning(
                doc.file,
                at_line("question"),
                f"the question is {len(question)} characters long; it is shown on a button.",
                f"Keep the main question under {MAX_QUESTION_CHARS} characters and move the long "
                "version to 'alternates'.",
                label,
            )
        )
    alternates = tuple(" ".join(a.split()) for a in values.get("alternates", []))
    for pos, alt in enumerate(alternates):
        if not alt:
            problems.append(
                error(
                    doc.file,
                    doc.line((*path, "alternates", pos)),
                    "an alternate phrasing is empty.",
                    "Remove the empty '- ' line or write a phrasing on it.",
                    label,
                )
            )
            ok = False
    if "alternates" in values and len(alternates) < MIN_ALTERNATES:
        problems.append(
            warning(
                doc.file,
                at_line("alternates"),
                f"only {len(alternates)} alternate phrasing(s); the bot recognises a question better with more.",
                f"Add at least {MIN_ALTERNATES}: how parents would ask it, and how professionals would.",
                label,
            )
        )
    answer = reflow(values.get("answer", ""))
    if answer and placeholders is not None:
        answer, placeholder_ok = _fill_placeholders(answer, placeholders, doc, at_line("answer"), label, problems)
        ok = ok and placeholder_ok
        if len(answer) > MAX_ANSWER_CHARS:
            problems.append(
                error(
                    doc.file,
                    at_line("answer"),
                    f"the answer is {len(answer)} characters long (contact details filled in); "
                    f"the maximum is {MAX_ANSWER_CHARS}.",
                    "Shorten it, or split it into two entries that each answer one question.",
                    label,
                )
            )
            ok = False
    audience = values.get("audience")
    if audience is not None and audience not in AUDIENCES:
        guess = nearest(audience, AUDIENCES)
        problems.append(
            error(
                doc.file,
                at_line("audience"),
                f"'{audience}' is not a valid audience.",
                (f"Did you mean '{guess}'? " if guess else "") + "Use one of: parents, professionals, both.",
                label,
            )
        )
        ok = False
    if not ok:
        return None
    return Entry(
        id=entry_id,
        question=question,
        alternates=alternates,
        answer=answer,
        topic=values["topic"].strip(),
        audience=values["audience"],
        related=tuple(values.get("related", ())),
        source=values["source"].strip(),
        file=doc.file,
        line=line,
        phrasing_lines=(
            at_line("question"),
            *(doc.line((*path, "alternates", i)) or line for i in range(len(alternates))),
        ),
    )


def _fill_placeholders(
    answer: str, values: dict[str, str], doc: YamlDoc, line: int, label: str, problems: list[Problem]
) -> tuple[str, bool]:
    ok = True
    for name in _PLACEHOLDER.findall(answer):
        if name not in values:
            guess = nearest(name, list(values))
            problems.append(
                error(
                    doc.file,
                    line,
                    f"the answer uses '{{{name}}}', which is not a known placeholder.",
                    (f"Did you mean '{{{guess}}}'? " if guess else "")
                    + "Placeholders are: "
                    + ", ".join(f"{{{k}}}" for k in values)
                    + ". To show braces, leave them out of the text.",
                    label,
                )
            )
            ok = False
    if not ok:
        return answer, False
    try:
        return string.Formatter().vformat(answer, (), values), True
    except (ValueError, IndexError):
        problems.append(
            error(
                doc.file,
                line,
                "the answer has an unmatched '{' or '}'.",
                "Placeholders are written as {telefoon}; remove the stray brace.",
                label,
            )
        )
        return answer, False


def _check_across_entries(
    entries: list[Entry], problems: list[Problem], seen_ids: set[str], check_related: bool = True
) -> None:
    """Duplicate ids, dangling `related`, repeated and near-duplicate phrasings, odd topics.

    `related` may point at an entry that has errors of its own (those are reported there);
    when an FAQ file cannot be read at all, its ids are unknown and `related` is not checked.
    """
    first_seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in first_seen:
            other = first_seen[entry.id]
            problems.append(
                error(
                    entry.file,
                    entry.line,
                    f"the id '{entry.id}' is used twice (also in {other.file}, line {other.line}).",
                    "Every entry needs its own id; rename one of them (and update any 'related' lists).",
                    f"entry '{entry.id}'",
                )
            )
        else:
            first_seen[entry.id] = entry
    ids = list(first_seen)
    for entry in entries:
        for rel in entry.related:
            if rel == entry.id:
                problems.append(
                    warning(
                        entry.file,
                        entry.line,
                        f"'related' lists the entry itself ('{rel}').",
                        "Remove it from 'related'.",
                        f"entry '{entry.id}'",
                    )
                )
            elif check_related and rel not in first_seen and rel not in seen_ids:
                guess = nearest(rel, ids, max_distance=4)
                problems.append(
                    error(
                        entry.file,
                        entry.line,
                        f"'related' points to '{rel}', but there is no entry with that id.",
                        (f"Did you mean '{guess}'? " if guess else "")
                        + "Use the id of an existing entry, or remove it from the list.",
                        f"entry '{entry.id}'",
                    )
                )

    # The same phrasing (after folding case, accents and punctuation) under two entries.
    owners: dict[str, list[tuple[Entry, int]]] = defaultdict(list)
    for entry in entries:
        lines = entry.phrasing_lines or (entry.line,) * len(entry.phrasings)
        for text, line in zip(entry.phrasings, lines, strict=False):
            folded_text = fold(text)
            if folded_text and all(e.id != entry.id for e, _ in owners[folded_text]):
                owners[folded_text].append((entry, line))
    for phrasing, found in owners.items():
        distinct = [e.id for e, _ in found]
        if len(distinct) > 1:
            first, first_line = found[0]
            problems.append(
                error(
                    found[1][0].file,
                    found[1][1],
                    f"the phrasing '{phrasing}' appears under '{distinct[0]}' and '{distinct[1]}'.",
                    f"A phrasing can lead to one entry only; remove it from one of them (see also {first.file}, "
                    f"line {first_line}).",
                    f"entry '{distinct[1]}'",
                )
            )

    # Near-duplicates across entries make the bot hesitate between them.
    folded = [(fold(p), e) for e in entries for p in e.phrasings]
    choices = [f for f, _ in folded]
    reported: set[tuple[str, str]] = set()
    for index, (text, entry) in enumerate(folded):
        if len(text) < 12:
            continue
        for _match, score, other_index in process.extract(
            text, choices, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_SCORE, limit=None
        ):
            other = folded[other_index][1]
            if other.id == entry.id or other_index <= index or choices[other_index] == text:
                continue
            pair = (min(entry.id, other.id), max(entry.id, other.id))
            if pair in reported:
                continue
            reported.add(pair)
            problems.append(
                warning(
                    other.file,
                    other.line,
                    f"'{choices[other_index]}' ({other.id}) is almost the same as '{text}' ({entry.id}); "
                    f"similarity {score:.0f}%.",
                    "The bot may hesitate between these two entries. Reword one of the phrasings or "
                    "keep it under one entry only.",
                    f"entry '{other.id}'",
                )
            )

    # A topic used once and close to another topic is probably a typo.
    counts = Counter(e.topic for e in entries)
    for topic, count in counts.items():
        if count == 1:
            others = [t for t in counts if t != topic and counts[t] > 1]
            guess = nearest(topic, others, max_distance=3)
            if guess:
                entry = next(e for e in entries if e.topic == topic)
                problems.append(
                    warning(
                        entry.file,
                        entry.line,
                        f"the topic '{topic}' is used by this entry only; it looks like '{guess}'.",
                        f"If it is the same topic, write it exactly as '{guess}' so they appear together "
                        "in the topic menu.",
                        f"entry '{entry.id}'",
                    )
                )


# --- data files --------------------------------------------------------------------


def _load_contacts(doc: YamlDoc | None, problems: list[Problem]) -> Contacts | None:
    if doc is None:
        return None
    top = check_mapping(doc, (), CONTACTS_FIELDS, None, problems, what="the contacts file")
    line_fields = (
        check_mapping(doc, ("advice_line",), ADVICE_LINE_FIELDS, "advice_line", problems, what="advice_line")
        if "advice_line" in top
        else {}
    )
    email = line_fields.get("email", "")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", email.strip(), re.IGNORECASE):
        problems.append(
            error(
                doc.file,
                doc.line(("advice_line", "email")),
                f"'{email}' does not look like an e-mail address.",
                "Write it as name@domain.nl.",
                "advice_line",
            )
        )
        line_fields.pop("email")
    phone = line_fields.get("phone", "")
    if phone and sum(ch.isdigit() for ch in phone) < 3:
        problems.append(
            error(
                doc.file,
                doc.line(("advice_line", "phone")),
                f"'{phone}' does not look like a phone number.",
                'Write it between quotes, e.g. "070 - 333 4558".',
                "advice_line",
            )
        )
        line_fields.pop("phone")
    office = _load_office_hours(doc, top, problems)
    if len(line_fields) != len(ADVICE_LINE_FIELDS) or office is None:
        return None
    return Contacts(
        name=line_fields["name"].strip(),
        phone=line_fields["phone"].strip(),
        email=line_fields["email"].strip(),
        office_hours=office,
    )


def _load_office_hours(doc: YamlDoc, top: dict[str, Any], problems: list[Problem]) -> hours.OfficeHours | None:
    if "office_hours" not in top:
        return None
    values = check_mapping(doc, ("office_hours",), OFFICE_HOURS_FIELDS, "office_hours", problems, what="office_hours")
    ok = len(values) >= len(OFFICE_HOURS_FIELDS) - 1
    timezone = values.get("timezone", "")
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                error(
                    doc.file,
                    doc.line(("office_hours", "timezone")),
                    f"'{timezone}' is not a known time zone.",
                    "Use Europe/Amsterdam.",
                    "office_hours",
                )
            )
            ok = False
    country = values.get("public_holidays")
    if country and not hours.is_known_country(country):
        problems.append(
            error(
                doc.file,
                doc.line(("office_hours", "public_holidays")),
                f"'{country}' is not a country code with known public holidays.",
                "Use NL for Dutch public holidays, or remove the line.",
                "office_hours",
            )
        )
        ok = False
    weekly: list[tuple[hours.Interval, ...]] = []
    for day in hours.DAY_KEYS:
        text = values.get(day)
        if text is None:
            weekly.append(())
            continue
        try:
            weekly.append(hours.parse_intervals(text))
        except ValueError as exc:
            problems.append(
                error(
                    doc.file,
                    doc.line(("office_hours", day)),
                    f"the office hours for {day} are not valid: {exc}.",
                    'Write them as "09:00-17:00", several ranges as "09:00-12:30, 13:30-17:00", or "closed".',
                    "office_hours",
                )
            )
            ok = False
    closing: set[dt.date] = set()
    for index, item in enumerate(top.get("closing_days") or []):
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            closing.add(item)
        else:
            problems.append(
                error(
                    doc.file,
                    doc.line(("closing_days", index)),
                    f"'{item}' is not a date.",
                    "Write closing days as YYYY-MM-DD, e.g. - 2026-12-24.",
                    "closing_days",
                )
            )
            ok = False
    if ok and not any(weekly):
        problems.append(
            warning(
                doc.file,
                doc.line(("office_hours",)),
                "the advice line is closed on every day of the week.",
                'Fill in the opening hours per day, e.g. monday: "09:00-17:00".',
                "office_hours",
            )
        )
    if not ok:
        return None
    return hours.OfficeHours(
        timezone=timezone,
        weekly=tuple(weekly),
        closing_days=frozenset(closing),
        public_holidays=country or None,
    )


def _load_language(doc: YamlDoc | None, problems: list[Problem]) -> Language | None:
    if doc is None:
        return None
    top = check_mapping(doc, (), SYNONYMS_FIELDS, None, problems, what="the synonyms file")
    mapping: dict[str, str] = {}
    where: dict[str, str] = {}
    for canonical, variants in (top.get("synonyms") or {}).items():
        canon = fold(str(canonical))
        line = doc.line(("synonyms", str(canonical)))
        if isinstance(variants, str):
            variants = [variants]
        if not isinstance(variants, list) or not all(isinstance(v, (str, int)) for v in variants):
            problems.append(
                error(
                    doc.file,
                    line,
                    f"the synonyms of '{canonical}' should be a list of words.",
                    f"Write them as: {canonical}: [word one, word two]",
                    f"synonyms → {canonical}",
                )
            )
            continue
        for variant in variants:
            folded = fold(str(variant))
            if not folded or folded == canon:
                continue
            if folded in mapping and mapping[folded] != canon:
                problems.append(
                    error(
                        doc.file,
                        line,
                        f"'{variant}' is listed as a synonym of both '{where[folded]}' and '{canonical}'.",
                        "A word can stand for one term only; remove it from one of the two lists.",
                        f"synonyms → {canonical}",
                    )
                )
                continue
            mapping[folded] = canon
            where[folded] = str(canonical)
    stopwords = frozenset(fold(w) for w in top.get("stopwords", []))
    if "synonyms" not in top or "stopwords" not in top:
        return None
    out_of_scope = tuple(p for p in top.get("out_of_scope", []) or [] if fold(p))
    parents = tuple(p for p in top.get("parent_words", []) or [] if fold(p))
    professionals = tuple(p for p in top.get("professional_words", []) or [] if fold(p))
    return Language(mapping, stopwords, out_of_scope, parents, professionals)


# Texts from messages.yaml a smalltalk intent may send (`message: help`): those that need no
# values other than the advice line's.
SMALLTALK_MESSAGES = tuple(key for key, allowed in MESSAGE_KEYS.items() if allowed <= _CONTACT_PLACEHOLDERS)


def _load_smalltalk(
    doc: YamlDoc | None, problems: list[Problem]
) -> tuple[tuple[SmalltalkIntent, ...] | None, frozenset[str]]:
    if doc is None:
        return None, frozenset()
    top = check_mapping(doc, (), SMALLTALK_FIELDS, None, problems, what="the smalltalk file")
    raw = top.get("intents")
    intents: list[SmalltalkIntent] = []
    first_intent: dict[str, str] = {}  # folded phrase → the intent that has it first
    for index, _item in enumerate(raw if isinstance(raw, list) else []):
        path: tuple[str | int, ...] = ("intents", index)
        v = check_mapping(
            doc, path, SMALLTALK_INTENT_FIELDS, f"intents → item {index + 1}", problems, "a smalltalk intent"
        )
        if "name" not in v or "phrases" not in v:
            continue
        name = str(v["name"])
        at = f"intents → {name}"
        ok = True
        # An empty text counts as no text.
        reply, message = (v[key] if key in v and v[key].strip() else None for key in ("reply", "message"))
        if reply is None and message is None:
            problems.append(
                error(
                    doc.file,
                    doc.line(path),
                    f"de intentie '{name}' heeft geen 'reply' en geen 'message': de bot weet niet wat hij "
                    "moet antwoorden.",
                    "Zet achter 'reply:' het antwoord, of achter 'message:' de naam van een tekst uit "
                    "messages.yaml, bijvoorbeeld 'message: help'.",
                    at,
                )
            )
            ok = False
        elif reply is not None and message is not None:
            problems.append(
                error(
                    doc.file,
                    doc.line((*path, "message")),
                    f"de intentie '{name}' heeft zowel 'reply' als 'message': de bot weet niet welke hij moet sturen.",
                    "Haal er een weg: 'reply' voor een eigen antwoord, of 'message' voor een tekst uit messages.yaml.",
                    at,
                )
            )
            ok = False
        elif message is not None and message not in SMALLTALK_MESSAGES:
            guess = nearest(message, SMALLTALK_MESSAGES)
            problems.append(
                error(
                    doc.file,
                    doc.line((*path, "message")),
                    f"'{message}' is geen tekst uit messages.yaml die hier kan.",
                    (f"Bedoel je '{guess}'? " if guess else "") + f"Gebruik een van: {', '.join(SMALLTALK_MESSAGES)}.",
                    at,
                )
            )
            ok = False
        for position, phrase in enumerate(v["phrases"]):
            line = doc.line((*path, "phrases", position))
            if not phrase.strip():
                problems.append(
                    error(doc.file, line, "er staat een lege zin in 'phrases'.", "Haal de lege zin weg.", at)
                )
                ok = False
                continue
            key = fold(phrase) or "".join(emoji(phrase))
            if not key:
                problems.append(
                    error(
                        doc.file,
                        line,
                        f"de zin '{phrase}' bestaat alleen uit leestekens; die herkent de bot niet.",
                        "Schrijf woorden zoals mensen ze typen, of een emoji zoals 👍. Of haal de zin weg.",
                        at,
                    )
                )
                ok = False
                continue
            other = first_intent.setdefault(key, name)
            if other != name:
                problems.append(
                    warning(
                        doc.file,
                        line,
                        f"'{phrase}' staat ook bij de intentie '{other}'; die staat hoger en wint.",
                        f"Haal '{phrase}' weg bij een van de twee intenties.",
                        at,
                    )
                )
        if ok:
            intents.append(SmalltalkIntent(name, tuple(v["phrases"]), reflow(reply or ""), message))
    fillers = frozenset(fold(w) for w in top.get("fillers", []) or [])
    if "intents" not in top:
        return None, fillers
    return tuple(intents), fillers


def _load_messages(doc: YamlDoc | None, contacts: Contacts | None, problems: list[Problem]) -> Messages | None:
    if doc is None:
        return None
    fields = tuple(Field(key, "text") for key in MESSAGE_KEYS)
    values = check_mapping(doc, (), fields, None, problems, what="the messages file")
    ok = len(values) == len(fields)
    for key, text in values.items():
        allowed = MESSAGE_KEYS[key]
        for name in _PLACEHOLDER.findall(text):
            if name not in allowed:
                guess = nearest(name, sorted(allowed))
                problems.append(
                    error(
                        doc.file,
                        doc.line((key,)),
                        f"the text uses '{{{name}}}', which is not a known placeholder here.",
                        (f"Did you mean '{{{guess}}}'? " if guess else "")
                        + "Placeholders for this text: "
                        + (", ".join(f"{{{k}}}" for k in sorted(allowed)) or "none")
                        + ".",
                        f"key '{key}'",
                    )
                )
                ok = False
        if text.count("{") != text.count("}"):
            problems.append(
                error(
                    doc.file,
                    doc.line((key,)),
                    "the text has an unmatched '{' or '}'.",
                    "Placeholders are written as {telefoon}; remove the stray brace.",
                    f"key '{key}'",
                )
            )
            ok = False
    if not ok or contacts is None:
        return None
    return Messages(texts={k: reflow(v) for k, v in values.items()}, contact_values=contacts.placeholders())

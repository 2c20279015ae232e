"""A small declarative checker for the mappings staff write in YAML.

Each file type lists its keys as `Field`s; `check_mapping` reports unknown keys (with
the nearest valid one), missing keys and wrong types in one pass, and returns the
values that passed so later checks can continue with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .problems import Problem, error
from .yamlsource import PathKey, YamlDoc

# What each kind of value is called in messages to staff.
KIND_WORDS = {
    "text": "a piece of text",
    "text_list": "a list of texts (each on its own line starting with '- ')",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "mapping": "a group of keys (indented lines below it)",
    "list": "a list (lines starting with '- ')",
    "date_list": "a list of dates written as YYYY-MM-DD",
}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str
    required: bool = True
    example: str = ""


def type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, (int, float)):
        return f"the number {value:g}"
    if isinstance(value, str):
        return "a piece of text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a group of keys"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    return type(value).__name__


def fits(kind: str, value: Any) -> bool:
    """Whether `value` is of the kind a field asks for."""
    if kind == "text":
        return isinstance(value, str)
    if kind == "text_list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "mapping":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind == "date_list":
        return isinstance(value, list) and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in value)
    raise ValueError(f"unknown field kind {kind!r}")


def nearest(word: str, choices: Sequence[str], max_distance: int = 3) -> str | None:
    """The valid name closest to a misspelt one, if it is close enough to be a typo."""
    if not choices:
        return None
    found = process.extractOne(word.lower(), list(choices), scorer=Levenshtein.distance, score_cutoff=max_distance)
    return found[0] if found else None


def check_items(
    doc: YamlDoc, key: str, fields: Sequence[Field], problems: list[Problem], what: str
) -> list[dict[str, Any]]:
    """Check every mapping in the list under `key`; the ones that have all their required fields."""
    items = _get(doc.data, (key,))
    complete = []
    for index, _item in enumerate(items if isinstance(items, list) else []):
        values = check_mapping(doc, (key, index), fields, f"{key} → item {index + 1}", problems, what=what)
        if all(f.name in values for f in fields if f.required):
            complete.append(values)
    return complete


def check_mapping(
    doc: YamlDoc,
    path: PathKey,
    fields: Sequence[Field],
    at: str | None,
    problems: list[Problem],
    what: str = "this group",
) -> dict[str, Any]:
    """Check the mapping at `path` against `fields`; return the keys that passed."""
    value = _get(doc.data, path)
    line = doc.line(path)
    if not isinstance(value, dict):
        problems.append(
            error(
                doc.file,
                line,
                f"{what} should be {KIND_WORDS['mapping']}, but it is {type_name(value)}.",
                "Compare it with the example in the README and fix the indentation.",
                at,
            )
        )
        return {}
    by_name = {f.name: f for f in fields}
    names = [f.name for f in fields]
    good: dict[str, Any] = {}
    suggested: set[str] = set()  # missing keys already pointed at as "did you mean"
    for key, item in value.items():
        key_s = str(key)
        key_line = doc.line((*path, key_s))
        if key_s not in by_name:
            guess = nearest(key_s, names)
            if guess is not None:
                suggested.add(guess)
            hint = (f"Did you mean '{guess}'? " if guess else "") + f"The keys allowed here are: {', '.join(names)}."
            problems.append(error(doc.file, key_line, f"unknown key '{key_s}'.", hint, at))
            continue
        field = by_name[key_s]
        if item is None and not field.required:
            continue
        if field.required and (item is None or (isinstance(item, str) and not item.strip())):
            problems.append(
                error(
                    doc.file,
                    key_line,
                    f"'{key_s}' is empty.",
                    f"Write {KIND_WORDS[field.kind]} after '{key_s}:'.",
                    at,
                )
            )
            continue
        if field.kind == "text_list" and isinstance(item, list):
            bad = [(i, v) for i, v in enumerate(item) if not isinstance(v, str)]
            for index, bad_item in bad:
                shown = doc.raw.get((*path, key_s, index), str(bad_item))
                problems.append(
                    error(
                        doc.file,
                        doc.line((*path, key_s, index)),
                        f"item {index + 1} of '{key_s}' ({shown}) is read as {type_name(bad_item)}, not as text.",
                        'Put it between double quotes, e.g. "no"; words like yes, no, on and off and '
                        "numbers need quotes to be read as text.",
                        at,
                    )
                )
            if bad:
                continue
        if not fits(field.kind, item):
            example = f" For example: {field.name}: {field.example}" if field.example else ""
            problems.append(
                error(
                    doc.file,
                    key_line,
                    f"'{key_s}' should be {KIND_WORDS[field.kind]}, but it is {type_name(item)}.",
                    f"Write {KIND_WORDS[field.kind]} after '{key_s}:'.{example}",
                    at,
                )
            )
            continue
        good[key_s] = item
    for field in fields:
        if field.required and field.name not in value and field.name not in suggested:
            example = f" For example: {field.name}: {field.example}" if field.example else ""
            problems.append(
                error(
                    doc.file,
                    line,
                    f"the key '{field.name}' is missing.",
                    f"Add a line '{field.name}:' with {KIND_WORDS[field.kind]}.{example}",
                    at,
                )
            )
    return good


def _get(data: Any, path: PathKey) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data

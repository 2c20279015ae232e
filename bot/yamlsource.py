"""Read YAML while remembering on which line every key and list item stands.

Staff edit the knowledge files by hand, so every message about them must point at a
line. PyYAML's composer keeps the position of each node; we walk the node tree next to
the constructed data and record the line of every path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem, error

PathKey = tuple[str | int, ...]


@dataclass(slots=True)
class YamlDoc:
    """The data of one YAML file plus the line of every key and list item in it."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    raw: dict[PathKey, str] = field(default_factory=dict)  # scalars as typed, e.g. 'no' for False

    def line(self, path: PathKey) -> int | None:
        """The line of `path`, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def _walk(node: yaml.Node, path: PathKey, doc: YamlDoc, problems: list[Problem]) -> None:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    error(
                        doc.file,
                        line,
                        f"the key '{key}' appears twice here (first on line {seen[key]}).",
                        "Keep one of the two; only the last one would be used.",
                    )
                )
            seen[key] = line
            doc.lines[(*path, key)] = line
            _walk(value_node, (*path, key), doc, problems)
    elif isinstance(node, yaml.ScalarNode):
        doc.raw[path] = str(node.value)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), doc, problems)


# libyaml's C parser when PyYAML has it (several times faster; it keeps line marks too).
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader, but an impossible date (2026-13-31) is a marked error, not a crash."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{node.value}' is not a valid date ({exc})", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)

_UNCLOSED_QUOTE = "a quote is opened but never closed"
# PyYAML's words for common slips, in words staff recognise.
_PLAIN_WORDS = (
    ("while scanning a quoted scalar", _UNCLOSED_QUOTE),
    ("mapping values are not allowed here", "there is a ': ' inside a text"),
    ("expected <block end>", "this line is indented differently from the lines around it"),
    ("did not find expected '-' indicator", "this line is indented differently from the lines around it"),
    ("did not find expected key", "this line is indented differently from the lines around it"),
    ("found character '\\t'", "a tab is used for indentation; use spaces"),
    ("found duplicate anchor", "an '&' is used twice"),
    ("expected ',' or ']'", "a '[' is opened but not closed with ']' (put a text starting with '[' between quotes)"),
    ("expected ',' or '}'", "a '{' is opened but not closed with '}' (put a text starting with '{' between quotes)"),
)


# A value that starts with a quote: after "key: ", after "- ", after "[" or "{", or alone on its line.
_QUOTE_OPENS = re.compile(r"""^\s*(?:-\s+)*(?:[^\s#'"-][^#'"]*?:\s+)?(?:[\[{]\s*)?(?P<quote>["'])""")
_DOUBLE_CLOSES = re.compile(r'(?<!\\)(?:\\\\)*"')


def unclosed_quote_line(text: str, last_line: int) -> int | None:
    """The first line (1-based, up to `last_line`) whose value opens a quote that the line does not close.

    Only used once PyYAML has found an error: a quoted text over several lines is valid YAML,
    but staff files never need one.
    """
    for number, line in enumerate(text.splitlines()[:last_line], start=1):
        found = _QUOTE_OPENS.match(line)
        if found is None:
            continue
        rest = line[found.end() :]
        if found.group("quote") == '"':
            closed = _DOUBLE_CLOSES.search(rest) is not None
        else:
            closed = "'" in rest.replace("''", "")  # '' is a quote inside a single-quoted text
        if not closed:
            return number
    return None


def _plain(exc: yaml.MarkedYAMLError) -> str:
    said = f"{exc.context or ''} {exc.problem or ''}"
    for jargon, plain in _PLAIN_WORDS:
        if jargon in said:
            return plain
    return (exc.problem or exc.context or "the file cannot be read").strip()


def parse_yaml(text: str, file: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse `text`; on a syntax error return no document and one problem with its line."""
    problems: list[Problem] = []
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        # An unclosed quote is only noticed at the end of the file; the quote itself is the
        # context mark, which is the line staff need to look at.
        unclosed = isinstance(exc, yaml.scanner.ScannerError) and "quoted scalar" in (exc.context or "")
        mark = (exc.context_mark if unclosed else None) or exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        # A quote left open is closed by the next quote further down, so PyYAML stumbles
        # lines later; the first line that opens a quote without closing it is the real one.
        opened = unclosed_quote_line(text, line or len(text.splitlines()))
        if opened is not None:
            line, plain = opened, _UNCLOSED_QUOTE
        else:
            plain = _plain(exc)
        return None, [
            error(
                file,
                line,
                f"YAML syntax error: {plain}.",
                "Check this line and the one above it: indentation must line up with the "
                "lines around it, a text containing ': ' or starting with a quote, '-', '{' or '[' "
                "must be put between double quotes, and quotes must be closed.",
            )
        ]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        return None, [error(file, None, f"YAML error: {exc}.", "Check the file's layout.")]
    finally:
        loader.dispose()
    doc = YamlDoc(file=file, data=data)
    if node is not None:
        _walk(node, (), doc, problems)
    return doc, problems


def read_yaml(path: Path, display: str) -> tuple[YamlDoc | None, list[Problem]]:
    """Read and parse a file; unreadable files become a problem, not an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [
            error(
                display,
                None,
                "the file is not saved as UTF-8 text.",
                "Open it in your editor and save it again with the encoding 'UTF-8'.",
            )
        ]
    except OSError as exc:
        return None, [error(display, None, f"the file cannot be opened ({exc.strerror}).", "Check the path.")]
    return parse_yaml(text, display)

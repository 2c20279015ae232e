"""Problems found in staff-edited files, worded for people who are not programmers.

The layout follows pre-commit's configuration errors: where the problem is, then what
it is, then what to do about it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or suspicious) in one file."""

    severity: Severity
    file: str
    line: int | None
    message: str
    hint: str
    at: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        """The problem as the `check` command prints it."""
        where = f"==> File {self.file}" + (f", line {self.line}" if self.line else "")
        lines = [where]
        if self.at:
            lines.append(f"==> At {self.at}")
        label = "Error" if self.is_error else "Warning"
        lines.append(f"=====> {label}: {self.message}")
        lines.append(f"       What to do: {self.hint}")
        return "\n".join(lines)


def error(file: str, line: int | None, message: str, hint: str, at: str | None = None) -> Problem:
    return Problem(Severity.ERROR, file, line, message, hint, at)


def warning(file: str, line: int | None, message: str, hint: str, at: str | None = None) -> Problem:
    return Problem(Severity.WARNING, file, line, message, hint, at)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


def summary(problems: list[Problem]) -> str:
    """One closing line: how many errors and warnings, and what that means."""
    n_err = sum(p.is_error for p in problems)
    n_warn = len(problems) - n_err
    if not problems:
        return "No problems found."
    parts = []
    if n_err:
        parts.append(f"{n_err} error{'s' if n_err != 1 else ''}")
    if n_warn:
        parts.append(f"{n_warn} warning{'s' if n_warn != 1 else ''}")
    verdict = (
        "The bot will not start until the errors are fixed."
        if n_err
        else "The bot can run; please look at the warnings."
    )
    return f"{' and '.join(parts)}. {verdict}"


def sort_key(problem: Problem) -> tuple[str, int, str]:
    return (problem.file, problem.line or 0, problem.message)

"""Write a staff file to a temporary folder and run its loader, as `check` would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bot.problems import Problem
from bot.yamlsource import YamlDoc, read_yaml

T = TypeVar("T")


def load_file(
    tmp_path: Path, name: str, text: str, loader: Callable[[YamlDoc | None, list[Problem]], T]
) -> tuple[T, list[Problem]]:
    """The loader's result for `knowledge/<name>` holding `text`, and every problem found."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc, problems = read_yaml(path, f"knowledge/{name}")
    found = list(problems)
    return loader(doc, found), found

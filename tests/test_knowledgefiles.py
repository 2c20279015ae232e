"""Knowledge files as files: unreadable, empty, replaced or deleted files are named as such by `check`."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.knowledgefiles import vanished
from bot.problems import Problem

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real knowledge folder, shown by its plain name."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    return tmp_path / "knowledge"


def unreadable(path: Path) -> None:
    path.chmod(0)


def emptied(path: Path) -> None:
    path.write_bytes(b"")


def replaced_by_a_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def replaced_by_a_dead_link(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.with_name("nergens.yaml"))


DAMAGE = [
    (
        unreadable,
        "dit bestand kan niet gelezen worden (rechten ----------).",
        "Geef het leesrechten, bijvoorbeeld met: chmod 644 knowledge/{name}",
    ),
    (
        emptied,
        "dit bestand is leeg (0 bytes); wat erin stond is weg.",
        "Zet de vorige versie terug (git checkout -- bestand), of verwijder het bestand als het weg mag.",
    ),
    (
        replaced_by_a_folder,
        "dit is geen bestand meer maar een map.",
        "Zet het bestand terug (git checkout -- bestand) en haal wat er nu staat weg.",
    ),
]
DEAD_LINK = (
    replaced_by_a_dead_link,
    "dit bestand is verwijderd of is een snelkoppeling naar een bestand dat niet bestaat.",
    "Zet het terug uit de repository (git checkout -- bestand), de bot heeft het nodig.",
)


# A data file that is missing altogether has its own message (tests/test_knowledge.py).
@pytest.mark.parametrize(
    ("name", "damage", "message", "hint"),
    [("faq-jos.yaml", *d) for d in [*DAMAGE, DEAD_LINK]] + [("messages.yaml", *d) for d in DAMAGE],
)
def test_a_damaged_file_is_named_as_such(
    folder: Path, name: str, damage: Callable[[Path], None], message: str, hint: str
) -> None:
    path = folder / name
    damage(path)
    try:
        result = load_knowledge(folder)
    finally:
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        elif path.exists():
            path.chmod(0o644)
    assert result.knowledge is None
    named = [p for p in result.problems if p.file == f"knowledge/{name}"]
    assert named[0] == Problem(named[0].severity, f"knowledge/{name}", None, message, hint.format(name=name))
    assert named[0].is_error
    # Entries pointing into a lost FAQ file are not reported once more as broken references.
    assert not any("'related' points to" in p.message for p in result.problems)


def test_a_deleted_faq_file_is_named_when_the_folder_is_in_git(folder: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "kennis"]):
        subprocess.run(["git", *command], cwd=folder, check=True, env=env, capture_output=True)
    (folder / "faq-jos.yaml").unlink()
    problems = load_knowledge(folder).problems
    deleted = [p for p in problems if p.file == "knowledge/faq-jos.yaml"]
    assert [p.format() for p in deleted] == [
        "==> File knowledge/faq-jos.yaml\n"
        "=====> Warning: dit bestand staat in de repository maar ontbreekt in de map; "
        "de vragen erin beantwoordt de bot niet.\n"
        "       What to do: Was dat niet de bedoeling? Zet het terug met: git checkout -- knowledge/faq-jos.yaml"
    ]


def test_without_git_nothing_is_guessed(folder: Path) -> None:
    (folder / "faq-jos.yaml").unlink()
    assert not any("repository" in p.message for p in load_knowledge(folder).problems)


@pytest.mark.parametrize(
    ("before", "present", "named"),
    [
        (("knowledge/faq-a.yaml", "knowledge/faq-b.yaml"), ("faq-a.yaml", "faq-b.yaml"), []),
        (("knowledge/faq-a.yaml", "knowledge/faq-b.yaml"), ("faq-a.yaml",), ["knowledge/faq-b.yaml"]),
        (("knowledge/faq-a.yaml",), ("faq-a.yaml", "faq-new.yaml"), []),
    ],
)
def test_vanished_names_the_files_that_are_gone(
    before: tuple[str, ...], present: tuple[str, ...], named: list[str]
) -> None:
    assert [p.file for p in vanished(before, present)] == named

"""The knowledge files as files: can they be read, are they empty, are they still there?

`load_knowledge` asks `readable_problem` before it reads a file, so a file without read
rights, an empty (0-byte) file, or a file that was replaced by a folder or something
else that is not a plain file is named as such instead of showing up only through other
files' references to it. `missing_from_git` names FAQ files the repository has but the
folder no longer does, and `vanished` the files a reload no longer found.

Messages are in plain Dutch, in the same structure as the rest of `check`.

This module is part of the core: it must not import telegram.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
from collections.abc import Iterable
from pathlib import Path

from .problems import Problem, error, warning

logger = logging.getLogger(__name__)

GIT_SECONDS = 5.0
READ_BITS = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def readable_problem(path: Path, shown: str) -> Problem | None:
    """Why `path` cannot be used as a knowledge file, or None when it can be read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return error(
            shown,
            None,
            "dit bestand is verwijderd of is een snelkoppeling naar een bestand dat niet bestaat.",
            "Zet het terug uit de repository (git checkout -- bestand), de bot heeft het nodig.",
        )
    except OSError as exc:
        return _unreadable(shown, exc.strerror or str(exc))
    if not stat.S_ISREG(info.st_mode):
        what = "een map" if stat.S_ISDIR(info.st_mode) else "iets anders dan een gewoon bestand"
        return error(
            shown,
            None,
            f"dit is geen bestand meer maar {what}.",
            "Zet het bestand terug (git checkout -- bestand) en haal wat er nu staat weg.",
        )
    # Root reads anything, but the bot may run as another user: no read bit at all is a problem too.
    if not stat.S_IMODE(info.st_mode) & READ_BITS or not os.access(path, os.R_OK):
        return _unreadable(shown, f"rechten {stat.filemode(info.st_mode)}")
    if info.st_size == 0:
        return error(
            shown,
            None,
            "dit bestand is leeg (0 bytes); wat erin stond is weg.",
            "Zet de vorige versie terug (git checkout -- bestand), of verwijder het bestand als het weg mag.",
        )
    return None


def _unreadable(shown: str, why: str) -> Problem:
    return error(
        shown,
        None,
        f"dit bestand kan niet gelezen worden ({why}).",
        "Geef het leesrechten, bijvoorbeeld met: chmod 644 " + shown,
    )


def missing_from_git(directory: Path, shown: str, reported: Iterable[str] = ()) -> list[Problem]:
    """YAML files the git repository holds in `directory` that are gone from the folder (warnings).

    `reported`: names whose absence is already an error elsewhere. Nothing when the folder is
    not in a git repository or git is not installed.
    """
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "."],
            cwd=directory,
            capture_output=True,
            timeout=GIT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if listed.returncode != 0:
        return []
    here = {entry.name for entry in directory.iterdir()} | set(reported)
    gone = sorted(
        name
        for name in listed.stdout.decode("utf-8", "replace").split("\0")
        if name and "/" not in name and name.endswith((".yaml", ".yml")) and name not in here
    )
    return [
        warning(
            f"{shown}/{name}",
            None,
            "dit bestand staat in de repository maar ontbreekt in de map; de vragen erin beantwoordt de bot niet.",
            f"Was dat niet de bedoeling? Zet het terug met: git checkout -- {shown}/{name}",
        )
        for name in gone
    ]


def vanished(before: Iterable[str], present: Iterable[str]) -> list[Problem]:
    """Files of the previous version (as shown) whose name is no longer in the folder (for the reload notice)."""
    now = set(present)
    return [
        warning(
            shown,
            None,
            "dit bestand is verwijderd sinds de vorige versie; de vragen erin beantwoordt de bot niet meer.",
            f"Was dat niet de bedoeling? Zet het terug met: git checkout -- {shown}",
        )
        for shown in before
        if Path(shown).name not in now
    ]

"""Knowledge hot reload: notice changed files, check them, and build a new engine.

A new version is only ever used whole: the engine is built completely before it replaces
the old one, and a version with errors is never used (the last good one stays). Replies
already being written keep the engine they started with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .engine import Clock, Engine, utc_now
from .knowledge import load_knowledge
from .problems import Problem
from .reminders import SafetyReminders
from .startup import build_engine

logger = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(directory: Path) -> Fingerprint:
    """Name, size and modification time of every file in the knowledge folder."""
    try:
        files = sorted(p for p in directory.iterdir() if p.is_file())
    except OSError:
        return ()
    out = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:  # removed between listing and looking
            continue
        out.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    engine: Engine | None  # None: errors, keep the old one
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


def reload_engine(config: Config, clock: Clock = utc_now, reminders: SafetyReminders | None = None) -> ReloadResult:
    """Load and check the knowledge files; a new engine only if there are no errors.

    `reminders` (the running engine's) carries the open crisis-reminder windows over.
    """
    result = load_knowledge(config.knowledge_dir)
    if result.knowledge is None:
        logger.error(
            "Knowledge not reloaded: %d error(s); the previous version stays in use",
            sum(p.is_error for p in result.problems),
        )
        for problem in result.problems:
            logger.error("%s", problem.format())
        return ReloadResult(None, result.problems)
    engine = build_engine(config, result.knowledge, clock, reminders)
    logger.info("Knowledge reloaded: %d entries", len(result.knowledge.entries))
    return ReloadResult(engine, result.problems)

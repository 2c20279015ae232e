"""Loading the config and the knowledge together, as every command needs them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .config import Config, find_config, load_config
from .engine import Clock, Engine, EngineSettings, utc_now
from .knowledge import Knowledge, load_knowledge
from .problems import Problem, has_errors
from .reminders import SafetyReminders

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Loaded:
    config: Config | None
    knowledge: Knowledge | None
    problems: tuple[Problem, ...]
    config_path: Path | None

    @property
    def ok(self) -> bool:
        return self.config is not None and self.knowledge is not None and not has_errors(self.problems)


def load_all(config_arg: str | None = None) -> Loaded:
    """Find and check the config, then the knowledge it points at; all problems together."""
    path = find_config(config_arg)
    config, problems = load_config(path)
    knowledge = None
    if config is not None:
        result = load_knowledge(config.knowledge_dir)
        knowledge = result.knowledge
        problems = [*problems, *result.problems]
    return Loaded(config, knowledge, tuple(problems), path)


def build_engine(
    config: Config, knowledge: Knowledge, clock: Clock = utc_now, reminders: SafetyReminders | None = None
) -> Engine:
    """An engine for this knowledge; pass the previous engine's `reminders` on a reload."""
    settings = EngineSettings(config.matching, config.max_question_chars, config.crisis_reminder_minutes)
    return Engine(knowledge, settings, clock, reminders)

"""The configuration file: where the knowledge lives and how the matcher decides.

`load_config` checks every key (unknown, wrong type, out of range) and reports all
problems at once, in the same format as the knowledge check. Relative paths are taken
from the folder the config file is in.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .knowledge import display_path
from .matching import MatchSettings
from .problems import Problem, error
from .schema import Field, check_mapping
from .text import TypoSettings
from .yamlsource import YamlDoc, read_yaml

logger = logging.getLogger(__name__)

CONFIG_ENV = "JEPBOT_CONFIG"
DEFAULT_FILES = ("config.yaml", "config.example.yaml")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

TOP_FIELDS = (
    Field("knowledge_dir", "text", required=False, example="knowledge"),
    Field("log_level", "text", required=False, example="INFO"),
    Field("max_question_chars", "integer", required=False, example="1000"),
    Field("matching", "mapping", required=False),
)
# name → (kind, lowest, highest); every one is optional and defaults to MatchSettings.
MATCHING_RANGES: dict[str, tuple[str, float, float]] = {
    "answer_threshold": ("number", 0, 100),
    "clarify_threshold": ("number", 0, 100),
    "ambiguity_margin": ("number", 0, 100),
    "max_choices": ("integer", 1, 8),
    "candidate_limit": ("integer", 1, 10_000),
    "fuzzy_weight": ("number", 0, 10),
    "coverage_weight": ("number", 0, 10),
    "precision_weight": ("number", 0, 10),
    "fuzzy_set_share": ("number", 0, 1),
    "phrasing_coverage_share": ("number", 0, 1),
    "answer_text_credit": ("number", 0, 1),
    "unknown_word_weight": ("number", 0, 5),
    "min_evidence": ("number", 0, 100),
    "min_coverage": ("number", 0, 1),
    "out_of_scope_min_coverage": ("number", 0, 1),
    "typo_min_length": ("integer", 1, 50),
    "typo_max_distance_short": ("integer", 0, 5),
    "typo_long_from": ("integer", 1, 50),
    "typo_max_distance_long": ("integer", 0, 5),
}
MATCHING_FIELDS = tuple(Field(name, kind, required=False) for name, (kind, _, _) in MATCHING_RANGES.items())


@dataclass(frozen=True, slots=True)
class Config:
    knowledge_dir: Path = Path("knowledge")
    log_level: str = "INFO"
    max_question_chars: int = 1000
    matching: MatchSettings = field(default_factory=MatchSettings)
    source: str = "(built-in defaults)"


def find_config(explicit: str | None) -> Path | None:
    """The config file to use: --config, then $JEPBOT_CONFIG, then config.yaml, then the example."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    for name in DEFAULT_FILES:
        if Path(name).exists():
            return Path(name)
    return None


def load_config(path: Path | None) -> tuple[Config | None, list[Problem]]:
    """Read and check a config file; None (and the problems) when it has errors."""
    if path is None:
        return Config(), []
    name = display_path(path)
    if not path.exists():
        return None, [
            error(
                name,
                None,
                "the config file does not exist.",
                "Check the path, or copy config.example.yaml to config.yaml.",
            )
        ]
    doc, problems = read_yaml(path, name)
    if doc is None:
        return None, problems
    if doc.data is None:
        doc.data = {}
    values = check_mapping(doc, (), TOP_FIELDS, None, problems, what="the config file")  # type: ignore[arg-type]
    base = path.resolve().parent
    level = values.get("log_level", "INFO").upper()
    if level not in LOG_LEVELS:
        problems.append(
            error(
                name,
                doc.line(("log_level",)),
                f"'{values['log_level']}' is not a log level.",
                f"Use one of: {', '.join(LOG_LEVELS)}.",
                "key 'log_level'",
            )
        )
    max_chars = values.get("max_question_chars", 1000)
    if max_chars < 50:
        problems.append(
            error(
                name,
                doc.line(("max_question_chars",)),
                "max_question_chars must be at least 50.",
                "Use a value like 1000.",
                "key 'max_question_chars'",
            )
        )
    matching = _matching(doc, values, problems)
    if any(p.is_error for p in problems) or matching is None:
        return None, problems
    return (
        Config(
            knowledge_dir=base / values.get("knowledge_dir", "knowledge"),
            log_level=level,
            max_question_chars=max_chars,
            matching=matching,
            source=name,
        ),
        problems,
    )


def _matching(doc: YamlDoc, top: dict[str, Any], problems: list[Problem]) -> MatchSettings | None:
    if "matching" not in top:
        return MatchSettings()
    values = check_mapping(doc, ("matching",), MATCHING_FIELDS, "matching", problems, what="matching")
    ok = True
    for key, value in values.items():
        _kind, low, high = MATCHING_RANGES[key]
        if not low <= value <= high:
            problems.append(
                error(
                    doc.file,
                    doc.line(("matching", key)),
                    f"'{key}' is {value}, outside the range {low}-{high}.",
                    f"Use a value from {low} to {high}.",
                    f"matching → {key}",
                )
            )
            ok = False
    defaults = MatchSettings()
    answer = values.get("answer_threshold", defaults.answer_threshold)
    clarify = values.get("clarify_threshold", defaults.clarify_threshold)
    if ok and clarify > answer:
        problems.append(
            error(
                doc.file,
                doc.line(("matching", "clarify_threshold")),
                f"clarify_threshold ({clarify}) is higher than answer_threshold ({answer}).",
                "The clarify threshold is the lower edge of the band below answering; make it lower.",
                "matching → clarify_threshold",
            )
        )
        ok = False
    weights = [values.get(k, getattr(defaults, k)) for k in ("fuzzy_weight", "coverage_weight", "precision_weight")]
    if ok and sum(weights) <= 0:
        problems.append(
            error(
                doc.file,
                doc.line(("matching",)),
                "fuzzy_weight, coverage_weight and precision_weight are all 0.",
                "Give at least one of them a value above 0.",
                "matching",
            )
        )
        ok = False
    if not ok:
        return None
    typo_keys = {
        "typo_min_length": "min_length",
        "typo_max_distance_short": "max_distance_short",
        "typo_long_from": "long_from",
        "typo_max_distance_long": "max_distance_long",
    }
    typos = TypoSettings(**{typo_keys[k]: v for k, v in values.items() if k in typo_keys})
    plain = {k: v for k, v in values.items() if k not in typo_keys}
    return MatchSettings(**plain, typos=typos)

"""Learned signal words: a second opinion on crisis recognition, trained on example messages.

The rules of `crisis.yaml` are precise but only see what someone thought of writing down.
Many messages about real danger use no signal word at all ("hij is er niet en hij gaat
nooit ergens anders heen. Het is nu 19 uur"). This module weighs every word and word pair
of a message, with weights learned from labelled example messages (`tests/data/crisis/`
and the everyday question sets), and says how likely the message is about someone in
danger and which crisis family fits best.

It is a plain multinomial logistic regression on word stems and pairs of stems, so every
decision can be explained: `contributions()` lists the words that weighed most. The
weights live in `bot/crisis_words.json`, written by `python -m bot crisis-learn`; nobody
edits them by hand. `crisis.py` decides what the score means together with the rules
(thresholds in `crisis.yaml`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import logging
import math
import os
import random
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .patterns import BREAK
from .text import stem

logger = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).with_name("crisis_words.json")
NOT_CRISIS = "-"
FORMAT = 2


def _number(token: str) -> str:
    """Ages and times as a class, not as themselves: '6' and '9' both say 'a young child'."""
    value = int(token[:6])
    if value <= 12:
        return "#kind"
    if value <= 17:
        return "#tiener"
    return "#getal"


def features(tokens: Sequence[str]) -> set[str]:
    """The stems of a message and each pair of neighbouring stems within one sentence."""
    found: set[str] = set()
    previous = ""
    for token in tokens:
        if token == BREAK:
            previous = ""
            continue
        term = _number(token) if token.isdigit() else stem(token)
        found.add(term)
        if previous:
            found.add(f"{previous} {term}")
        previous = term
    return found


@dataclass(frozen=True, slots=True)
class Judgement:
    """How likely a message is about someone in danger, and the family that fits best."""

    probability: float
    family: str | None


@dataclass(frozen=True, slots=True)
class WordModel:
    """Weights per feature for each class: not-crisis first, then the crisis families."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)  # file name → fingerprint

    def judge(self, tokens: Sequence[str]) -> Judgement:
        scores = self._scores(features(tokens))
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        probability = 1.0 - exps[0] / total
        family = max(range(1, len(scores)), key=scores.__getitem__) if len(scores) > 1 else None
        return Judgement(probability, self.classes[family] if family is not None else None)

    def contributions(self, tokens: Sequence[str], family: str, count: int = 5) -> list[tuple[str, float]]:
        """The features that pushed most towards `family` rather than not-crisis."""
        index = self.classes.index(family)
        weighed = []
        for feature in features(tokens):
            row = self.weights.get(feature)
            if row is not None:
                weighed.append((feature, row[index] - row[0]))
        weighed.sort(key=lambda pair: -pair[1])
        return [(f, round(w, 2)) for f, w in weighed[:count] if w > 0]

    def _scores(self, found: Iterable[str]) -> list[float]:
        scores = list(self.bias)
        for feature in found:
            row = self.weights.get(feature)
            if row is not None:
                for i, weight in enumerate(row):
                    scores[i] += weight
        return scores


EMPTY_MODEL = WordModel((NOT_CRISIS,), (0.0,), {})

# --- learning from labelled sets -------------------------------------------------------------

# The example sets were written independently, with family names in English; ours are crisis.yaml's.
SET_FAMILIES = {
    "suicide-selfharm": "zelfdoding",
    "overdose": "overdosis",
    "sexual-abuse": "seksueel-misbruik",
    "home-violence": "huiselijk-geweld",
    "acute-violence": "acuut-geweld",
    "extortion-grooming": "afpersing-grooming",
    "honour-forced-marriage": "eergerelateerd",
    "missing": "vermissing",
}


def default_crisis_sets(root: Path) -> list[Path]:
    """Every crisis development set of the project; never a sealed one."""
    return sorted(p for p in (root / "tests" / "data" / "crisis").glob("dev*.yaml"))


def default_question_sets(root: Path) -> list[Path]:
    """The everyday and English development question sets, and the shared dev set when present."""
    found = [root / "tests" / "data" / name for name in ("everyday-dev.yaml", "english-dev.yaml")]
    shared = root.parent / "shared" / "eval" / "dev.yaml"
    return [p for p in [*found, shared] if p.exists()]


class LearnError(Exception):
    """A training file that cannot be used, said so that the fix is clear."""


def examples_from(
    crisis_sets: Sequence[Path], question_sets: Sequence[Path], tokenise: Callable[[str], list[str]]
) -> list[tuple[list[str], str]]:
    """(tokens, class) pairs: crisis sets give both classes, question sets the everyday questions.

    A sealed set is never learned from: its name says so and this refuses it.
    """
    examples: list[tuple[list[str], str]] = []
    for path in [*crisis_sets, *question_sets]:
        if "sealed" in path.name:
            raise LearnError(f"{path} is a sealed test set: it is scored, never learned from.")
    for path in crisis_sets:
        for item in _read(path, "messages"):
            if item.get("expect") == "crisis":
                family = SET_FAMILIES.get(str(item.get("family")))
                if family is None:
                    raise LearnError(f"{path}: unknown family {item.get('family')!r} in {item.get('text')!r}")
                examples.append((tokenise(str(item["text"])), family))
            else:
                examples.append((tokenise(str(item["text"])), NOT_CRISIS))
    for path in question_sets:
        for item in _read(path, "questions"):
            if item.get("topic") != "crisis":  # crisis questions there carry no family
                examples.append((tokenise(str(item["q"])), NOT_CRISIS))
    return examples


def _read(path: Path, key: str) -> list[dict[str, Any]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LearnError(f"{path}: cannot read ({exc})") from exc
    items = document.get(key) if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise LearnError(f"{path}: expected a list under '{key}:'")
    return [item for item in items if isinstance(item, dict)]


def train(
    examples: Sequence[tuple[Sequence[str], str]],
    families: Sequence[str],
    epochs: int = 20,
    rate: float = 0.1,
    l2: float = 3e-3,
    seed: int = 0,
    keep: float = 0.05,
) -> WordModel:
    """Fit the weights by stochastic gradient descent; `examples` are (tokens, class) pairs.

    Features whose weights all stay under `keep` are dropped: they say little and would
    only make the file (and the start-up) bigger.
    """
    classes = (NOT_CRISIS, *families)
    index = {name: i for i, name in enumerate(classes)}
    data = [(sorted(features(tokens)), index[label]) for tokens, label in examples]
    width = len(classes)
    weights: dict[str, list[float]] = {}
    bias = [0.0] * width
    order = random.Random(seed)
    for _epoch in range(epochs):
        order.shuffle(data)
        for found, label in data:
            rows = [weights.setdefault(f, [0.0] * width) for f in found]
            scores = list(bias)
            for row in rows:
                for i in range(width):
                    scores[i] += row[i]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            gradient = [e / total for e in exps]
            gradient[label] -= 1.0
            for i in range(width):
                bias[i] -= rate * gradient[i]
            for row in rows:
                for i in range(width):
                    row[i] -= rate * (gradient[i] + l2 * row[i])
    kept = {f: tuple(round(w, 3) for w in row) for f, row in weights.items() if max(abs(w) for w in row) >= keep}
    return WordModel(classes, tuple(round(b, 3) for b in bias), kept)


def fingerprint(path: Path) -> str:
    """A short fingerprint of a training file: the shipped model says what it learned from."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def source_name(path: Path, root: Path) -> str:
    """How a training file is named in the model: relative to the project, '/' apart."""
    return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()


def save(model: WordModel, path: Path = MODEL_FILE) -> None:
    """Write the model: its features as a list, their weights as one float32 table (base64).

    Parsing 200 000 numbers from JSON text costs a tenth of a second at every start; the
    table is read in one go.
    """
    features = sorted(model.weights)
    table = array("f", (weight for feature in features for weight in model.weights[feature]))
    if sys.byteorder != "little":  # pragma: no cover - the file is always little-endian
        table.byteswap()
    document = {
        "format": FORMAT,
        "sources": dict(sorted(model.sources.items())),
        "classes": list(model.classes),
        "bias": list(model.bias),
        "features": features,
        "table": base64.b64encode(table.tobytes()).decode("ascii"),
    }
    path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


class _Rows(Mapping[str, Sequence[float]]):
    """A feature's row of weights, sliced from the one table on demand."""

    def __init__(self, features: Sequence[str], table: array[float], width: int) -> None:
        self._start = {feature: i * width for i, feature in enumerate(features)}
        self._table = table
        self._width = width

    def __getitem__(self, feature: str) -> Sequence[float]:
        start = self._start[feature]
        return self._table[start : start + self._width]

    def __iter__(self) -> Iterator[str]:
        return iter(self._start)

    def __len__(self) -> int:
        return len(self._start)


@functools.cache
def default_model() -> WordModel:
    """The model shipped with the bot, read once per process."""
    return load(MODEL_FILE)


def load(path: Path = MODEL_FILE) -> WordModel:
    """The trained model; without a readable file, an empty one (the rules still work)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"format {document.get('format')!r}")
        classes = tuple(str(c) for c in document["classes"])
        bias = tuple(float(b) for b in document["bias"])
        features = [str(f) for f in document["features"]]
        table = array("f")
        table.frombytes(base64.b64decode(document["table"], validate=True))
        if sys.byteorder != "little":  # pragma: no cover
            table.byteswap()
        if len(bias) != len(classes) or len(table) != len(features) * len(classes):
            raise ValueError("a table of the wrong size")
        sources = {str(k): str(v) for k, v in (document.get("sources") or {}).items()}
        return WordModel(classes, bias, _Rows(features, table, len(classes)), sources)
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
        logger.error("Crisis word model %s unusable (%s); screening with the rules only", path, exc)
        return EMPTY_MODEL

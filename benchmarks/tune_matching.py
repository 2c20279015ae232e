"""Measure matching quality in-process for many settings at once (a tool, not a test).

Uses the judging rules of ../shared/eval/score.py on one or more question sets, so a
grid of thresholds can be tried in seconds. Tune on several sets at once (the shared dev
set and our own tests/data/heldout.yaml) so the settings generalise.

    python benchmarks/tune_matching.py                       # current config, both sets
    python benchmarks/tune_matching.py --grid answer_threshold=58,62,66 clarify_threshold=36,40
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import itertools
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # the config and its knowledge folder are found as the bot finds them

from bot.cli import reply_json  # noqa: E402
from bot.engine import Engine, EngineSettings  # noqa: E402
from bot.matching import MatchSettings  # noqa: E402
from bot.startup import load_all  # noqa: E402

SCORER = ROOT.parent / "shared" / "eval" / "score.py"
DEFAULT_SETS = (ROOT.parent / "shared" / "eval" / "dev.yaml", ROOT / "tests" / "data" / "heldout.yaml")


def load_scorer() -> Any:
    spec = importlib.util.spec_from_file_location("score", SCORER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evaluate(engine: Engine, items: list[dict[str, Any]], topics: dict[str, Any], judge: Any) -> dict[str, float]:
    counts: dict[str, Counter[str]] = {}
    for item in items:
        reply = engine.reply(" ".join(item["q"].split()))
        verdict = judge(item, reply_json(engine, item["q"], reply), topics)
        group = item["topic"] if item["topic"] in {"off-topic", "crisis", "smalltalk"} else "in-domain"
        counts.setdefault(group, Counter())[verdict] += 1
    ind = counts.get("in-domain", Counter())
    n = sum(ind.values()) or 1
    off = counts.get("off-topic", Counter())
    return {
        "correct": 100 * ind["correct"] / n,
        "with_clarify": 100 * (ind["correct"] + ind["recovered"]) / n,
        "wrong": ind["wrong"] + off["wrong"],
        "off_held": 100 * off["correct"] / (sum(off.values()) or 1),
        "crisis": counts.get("crisis", Counter())["correct"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", help="question set(s); default: dev + heldout")
    parser.add_argument("--grid", nargs="*", default=[], help="name=v1,v2,... for MatchSettings fields")
    args = parser.parse_args()
    scorer = load_scorer()
    topics = yaml.safe_load((SCORER.parent / "topics.yaml").read_text(encoding="utf-8"))["topics"]
    sets = [Path(s) for s in args.set] if args.set else [p for p in DEFAULT_SETS if p.exists()]
    items = {p.name: yaml.safe_load(p.read_text(encoding="utf-8"))["questions"] for p in sets}
    loaded = load_all(None)  # the bot's own config and knowledge; the grid varies its matching settings
    if loaded.config is None or loaded.knowledge is None:
        for problem in loaded.problems:
            print(problem.format(), file=sys.stderr)
        return 1
    knowledge = loaded.knowledge
    grid = {k: [float(v) for v in vs.split(",")] for k, vs in (g.split("=") for g in args.grid)}
    base = loaded.config.matching
    for values in itertools.product(*grid.values()) if grid else [()]:
        changes = dict(zip(grid, values, strict=True))
        fields = {f.name: f.type for f in dataclasses.fields(MatchSettings)}
        typed = {k: int(v) if fields[k] in ("int", int) else v for k, v in changes.items()}
        engine = Engine(knowledge, EngineSettings(dataclasses.replace(base, **typed)))  # type: ignore[arg-type]
        row = [f"{k}={v:g}" for k, v in changes.items()]
        for name, questions in items.items():
            m = evaluate(engine, questions, topics, scorer.judge)
            row.append(
                f"{name[:7]}: {m['correct']:5.1f} {m['with_clarify']:5.1f} w{m['wrong']:.0f} "
                f"off{m['off_held']:5.1f} c{m['crisis']:.0f}"
            )
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

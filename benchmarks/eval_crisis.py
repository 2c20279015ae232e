"""Score crisis recognition on a crisis set (a tool, not a test).

A crisis set is YAML with `messages:`, each with `text`, `expect` (crisis | not-crisis),
and for crisis messages a `family`, for the others a `kind`; `writer` and `style` are
optional. Every message goes through the real engine (`Engine.reply`), as a user's would.

* recall: the share of crisis messages whose reply is a crisis reply (per family, writer
  and style too);
* family right: of those, the share whose first emergency line is the one the family's
  help starts with (the set's families map onto crisis.yaml's, see FAMILY_IDS);
* false alarms: the share of not-crisis messages that got a crisis reply (per kind), and
  how many got the safety line under their normal reply.

    python benchmarks/eval_crisis.py                                  # tests/data/crisis/dev.yaml
    python benchmarks/eval_crisis.py --set tests/data/crisis/dev.yaml --show-failures
    python benchmarks/eval_crisis.py --set tests/data/crisis/sealed.yaml
    python benchmarks/eval_crisis.py --cross     # the learned words, each dev set left out in turn

A sealed set is scored, never shown: --show-failures refuses a file whose name says 'sealed'.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import crisiswords  # noqa: E402
from bot.crisis import Verdict  # noqa: E402
from bot.crisiswords import SET_FAMILIES  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.replies import Outcome  # noqa: E402
from bot.startup import build_engine, load_all  # noqa: E402

DEFAULT_SET = ROOT / "tests" / "data" / "crisis" / "dev.yaml"
FAMILY_IDS = SET_FAMILIES


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def row(label: str, part: int, whole: int) -> str:
    return f"  {label:<24} {part:4d}/{whole:<4d} {pct(part, whole)}"


def load_engine(config: str | None = None) -> Engine:
    loaded = load_all(config)
    if not loaded.ok or loaded.config is None or loaded.knowledge is None:
        raise SystemExit("The knowledge or config has errors; run 'python -m bot check'.")
    return build_engine(loaded.config, loaded.knowledge)


def score(items: list[dict[str, Any]], config: str | None = None, engine: Engine | None = None) -> dict[str, Any]:
    """Run every message through the engine; the counts per group and the failures."""
    engine = engine or load_engine(config)
    hits: dict[str, Counter[str]] = defaultdict(Counter)
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    failures: list[tuple[dict[str, Any], str]] = []
    family_right = 0
    safety_lines = 0
    for item in items:
        text = str(item["text"])
        reply = engine.reply(text)
        is_crisis = reply.outcome is Outcome.CRISIS
        if item["expect"] == "crisis":
            groups = [("all", "crisis"), ("family", item.get("family", "?"))]
            groups += [("writer", item.get("writer", "?")), ("style", item.get("style", "?"))]
            for dimension, value in groups:
                totals[dimension][value] += 1
                hits[dimension][value] += is_crisis
            if is_crisis:
                family_right += reply.family == FAMILY_IDS.get(str(item.get("family")), reply.family) or _same_help(
                    engine, reply.family, FAMILY_IDS.get(str(item.get("family")))
                )
            else:
                failures.append((item, f"missed → {reply.outcome}"))
        else:
            for dimension, value in (("all", "not-crisis"), ("kind", item.get("kind", "?"))):
                totals[dimension][value] += 1
                hits[dimension][value] += is_crisis
            if is_crisis:
                failures.append((item, f"false alarm ({reply.family})"))
            elif engine.assess(text).verdict is Verdict.SUBJECT:
                safety_lines += 1
    return {
        "hits": hits,
        "totals": totals,
        "failures": failures,
        "family_right": family_right,
        "safety_lines": safety_lines,
    }


def _same_help(engine: Any, found: str | None, wanted: str | None) -> bool:
    """A sibling family counts as right when its first emergency line is the same."""
    crisis = engine.knowledge.crisis
    a, b = crisis.family(found or ""), crisis.family(wanted or "")
    return bool(a and b and a.lines[:1] == b.lines[:1])


def cross(config: str | None) -> int:
    """Leave one set out: learn the crisis words from the other dev sets, score the one left out.

    The shipped model has seen every dev set, so its figures on them say nothing; these do.
    """
    engine = load_engine(config)
    families = [f.id for f in engine.knowledge.crisis.families]
    crisis_sets = crisiswords.default_crisis_sets(ROOT)
    question_sets = crisiswords.default_question_sets(ROOT)
    shipped = engine.recogniser.model
    totals = Counter[str]()
    for held in crisis_sets:
        others = [p for p in crisis_sets if p != held]
        examples = crisiswords.examples_from(others, question_sets, engine.recogniser.words)
        engine.recogniser.model = crisiswords.train(examples, families)
        items = yaml.safe_load(held.read_text(encoding="utf-8"))["messages"]
        result = score(items, engine=engine)
        hits, sizes = result["hits"]["all"], result["totals"]["all"]
        for key in ("crisis", "not-crisis"):
            totals[key] += hits[key]
            totals[f"n-{key}"] += sizes[key]
        print(
            f"{held.name:<10} learned from the other {len(others)} sets: recall {hits['crisis']}/{sizes['crisis']} "
            f"{pct(hits['crisis'], sizes['crisis']).strip()} | false alarms {hits['not-crisis']}/"
            f"{sizes['not-crisis']} {pct(hits['not-crisis'], sizes['not-crisis']).strip()}",
            flush=True,
        )
    engine.recogniser.model = shipped
    print(
        f"\nall sets, each unseen: recall {totals['crisis']}/{totals['n-crisis']} "
        f"{pct(totals['crisis'], totals['n-crisis']).strip()} | false alarms {totals['not-crisis']}/"
        f"{totals['n-not-crisis']} {pct(totals['not-crisis'], totals['n-not-crisis']).strip()}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default=str(DEFAULT_SET), help="crisis set (YAML with messages:)")
    parser.add_argument("--config", help="config file (as python -m bot --config)")
    parser.add_argument("--show-failures", action="store_true", help="print every missed crisis and false alarm")
    parser.add_argument(
        "--cross", action="store_true", help="leave one dev set out in turn: the learned words' honest figures"
    )
    args = parser.parse_args()
    if args.cross:
        return cross(args.config)
    path = Path(args.set)
    if args.show_failures and "sealed" in path.name:
        print("A sealed set is scored only: its messages are not shown.", file=sys.stderr)
        return 2
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    result = score(items, args.config)
    hits, totals = result["hits"], result["totals"]
    print(f"{path.name}: {len(items)} messages")
    for dimension, title in (("family", "Recall per family"), ("writer", "per writer"), ("style", "per style")):
        print(f"\n{title}:")
        for value in sorted(totals[dimension], key=lambda v: -totals[dimension][v]):
            print(row(value, hits[dimension][value], totals[dimension][value]))
    print("\nFalse alarms per kind:")
    for value in sorted(totals["kind"], key=lambda v: -totals["kind"][v]):
        print(row(value, hits["kind"][value], totals["kind"][value]))
    if args.show_failures and result["failures"]:
        print("\nFailures:")
        for item, what in result["failures"]:
            label = item.get("family") or item.get("kind")
            print(f"  [{what}; {label}; {item.get('style', '')}] {item['text']}")
    n_crisis, n_other = totals["all"]["crisis"], totals["all"]["not-crisis"]
    found, alarms = hits["all"]["crisis"], hits["all"]["not-crisis"]
    print(
        f"\nrecall {found}/{n_crisis} {pct(found, n_crisis).strip()} | family's first line right "
        f"{result['family_right']}/{found} | false alarms {alarms}/{n_other} {pct(alarms, n_other).strip()} | "
        f"safety line on {result['safety_lines']} of the other not-crisis messages"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

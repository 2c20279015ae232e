"""Command line: `python -m bot <command>`. Thin: every command calls the library."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from .config import secrets_of, telegram_token
from .crisis import Verdict
from .engine import Engine
from .logsafety import protect
from .problems import summary
from .replies import Reply
from .startup import Loaded, build_engine, load_all

logger = logging.getLogger(__name__)

CONNECT_HINT = (
    "Telegram is not connected: set TELEGRAM_BOT_TOKEN (or telegram.token in config.yaml) to a token "
    "from @BotFather and run 'make run' again. Until then this is the local chat on the same engine."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="The JEP advice-line assistant: check the knowledge, ask questions, chat, or run the bot.",
    )
    parser.add_argument("--config", help="config file (default: $JEPBOT_CONFIG, config.yaml, config.example.yaml)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("check", help="check the knowledge files and the config; list every problem")

    ask = commands.add_parser("ask", help="ask questions offline and see how the bot decides")
    ask.add_argument("questions", nargs="*", help="questions (default: one per line from standard input)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")

    commands.add_parser("chat", help="chat with the bot in this terminal")
    commands.add_parser("run", help="run the Telegram bot if a token is configured, else the local chat")

    learn = commands.add_parser(
        "crisis-learn", help="learn the crisis word weights (bot/crisis_words.json) from the example sets"
    )
    learn.add_argument(
        "--crisis-set",
        action="append",
        metavar="FILE",
        help="a crisis set (default: the dev sets in tests/data/crisis)",
    )
    learn.add_argument(
        "--question-set", action="append", metavar="FILE", help="a question set whose questions are no crisis"
    )
    learn.add_argument("--out", metavar="FILE", help="where to write the weights (default: bot/crisis_words.json)")

    report = commands.add_parser("report", help="review report for staff: what users asked and what was missed")
    report.add_argument("--days", type=int, default=30, help="how many days up to today (default 30)")
    report.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page with charts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stderr.close()
        return 0


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    quiet = args.command in {"ask", "check", "report", "crisis-learn"}
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    loaded = load_all(args.config)
    protect(secrets_of(loaded.config) if loaded.config else ())
    if args.command == "check":
        return cmd_check(loaded)
    if not loaded.ok:
        print_problems(loaded, sys.stderr)
        print("The bot cannot start until these problems are fixed; run 'python -m bot check'.", file=sys.stderr)
        return 1
    assert loaded.config is not None and loaded.knowledge is not None
    if not quiet:
        logging.getLogger().setLevel(loaded.config.log_level)
    engine = build_engine(loaded.config, loaded.knowledge)
    if args.command == "ask":
        return cmd_ask(engine, args.questions, args.json)
    if args.command == "chat":
        return cmd_chat(engine)
    if args.command == "report":
        return cmd_report(loaded, engine, args.days, args.html)
    if args.command == "crisis-learn":
        return cmd_crisis_learn(engine, args.crisis_set, args.question_set, args.out)
    return cmd_run(loaded, engine)


def print_problems(loaded: Loaded, out: TextIO) -> None:
    for problem in loaded.problems:
        print(problem.format(), file=out)
        print(file=out)
    print(summary(list(loaded.problems)), file=out)


def cmd_check(loaded: Loaded) -> int:
    """Print every problem; exit 1 when there are errors, 0 with warnings only."""
    if loaded.problems:
        print_problems(loaded, sys.stdout)
    if loaded.ok:
        assert loaded.knowledge is not None and loaded.config is not None
        k = loaded.knowledge
        print(
            f"Checked {loaded.config.source} and {len(k.files)} knowledge files: "
            f"{len(k.entries)} entries, {sum(len(e.phrasings) for e in k.entries)} phrasings, "
            f"{len(k.topics)} topics."
        )
        return 0
    return 1


def reply_json(engine: Engine, question: str, reply: Reply) -> dict[str, Any]:
    """One reply in the shape ../shared/eval/score.py reads."""
    suggestions = []
    for choice in reply.choices:
        entry = engine.knowledge.get(choice.faq_id)
        suggestions.append(
            {"faq_id": choice.faq_id, "question": choice.question, "text": entry.answer if entry else ""}
        )
    return {
        "question": question,
        "outcome": str(reply.outcome),
        "faq_id": reply.faq_id,
        "score": reply.score,
        "text": reply.text,
        "suggestions": suggestions,
        "crisis": crisis_json(engine, question),
    }


def crisis_json(engine: Engine, question: str) -> dict[str, Any]:
    """What crisis recognition found: verdict, families (most urgent first) and signals."""
    assessment = engine.assess(question)
    return {
        "verdict": str(assessment.verdict),
        "families": [f.id for f in assessment.families],
        "probability": assessment.probability,
        "signals": [
            {"family": s.family, "kind": s.kind, "signal": s.pattern, "words": s.words} for s in assessment.signals
        ],
    }


def cmd_ask(engine: Engine, questions: Sequence[str], as_json: bool) -> int:
    source = questions if questions else (line.rstrip("\n") for line in sys.stdin)
    for question in source:
        reply = engine.reply(question)
        if as_json:
            print(json.dumps(reply_json(engine, question, reply), ensure_ascii=False), flush=True)
        else:
            print(explain(engine, question, reply))
    return 0


def explain(engine: Engine, question: str, reply: Reply) -> str:
    """The staff test pane: outcome, score, how the question was read, and the runners-up."""
    result = engine.match(question)
    a = result.analysis
    lines = [
        f"Question:  {question}",
        f"Read as:   {' '.join(a.words) or '(no content words)'}",
    ]
    if result.focus:
        lines.append(f"Asked:     «{result.focus}»  (the question sentence of a long message; the rest counts less)")
    if a.rewrites:
        shown = ", ".join(f"{typed} → {standard}" for typed, standard in dict.fromkeys(a.rewrites))
        lines.append(f"Everyday:  {shown}  (chat-speak and dialect read as standard Dutch)")
    if a.corrections:
        lines.append("Typos:     " + ", ".join(f"{typed} → {fixed}" for typed, fixed in a.corrections))
    if a.unknown:
        lines.append("Unknown:   " + ", ".join(a.unknown) + "  (words no entry uses; they lower the score)")
    lines.extend(explain_crisis(engine, question))
    lines.append(f"Outcome:   {reply.outcome}" + (f"  (score {reply.score:.1f})" if reply.score else ""))
    if reply.faq_id:
        lines.append(f"Entry:     {reply.faq_id}")
    if result.candidates:
        lines.append("Candidates (score = fuzzy / coverage / precision):")
        for c in result.candidates[:5]:
            lines.append(
                f"  {c.score:5.1f}  {c.entry.id:<34} {c.fuzzy:3.0f} / {c.coverage:.2f} / {c.precision:.2f}"
                f"   via: {c.phrasing}"
            )
    lines.append("Reply:")
    lines.extend(f"  | {line}" for line in reply.text.splitlines())
    return "\n".join(lines) + "\n"


def explain_crisis(engine: Engine, question: str) -> list[str]:
    """The crisis part of the test pane: which family and which signals fired, and why it counts."""
    assessment = engine.assess(question)
    lines: list[str] = []  # the lexicon's rewrites are shown once, under "Everyday:"
    learned = f"Learned:   {assessment.probability:.0%} likely someone is in danger (learned words)"
    if assessment.verdict is Verdict.NONE:
        return [*lines, "Crisis:    no signal", learned]
    meaning = {
        Verdict.CRISIS: "a situation: emergency lines first",
        Verdict.SUBJECT: "a question about a crisis subject: normal reply plus a safety line",
        Verdict.WEAK: "a weak signal only: normal reply, text not stored",
    }[assessment.verdict]
    lines.append(f"Crisis:    {assessment.verdict} ({meaning})")
    if assessment.families:
        lines.append("Families:  " + ", ".join(f"{f.id} ({f.name})" for f in assessment.families))
    context = [
        ("own situation" if assessment.own_situation else "no own situation"),
        ("general/professional framing" if assessment.framed else "no general framing"),
        ("adult writer" if assessment.adult else "writer may be young"),
    ]
    lines.append("Context:   " + ", ".join(context))
    lines.append(learned)
    for signal in assessment.signals:
        lines.append(f"  {signal.kind:<9} {signal.family:<20} {signal.pattern}   ← «{signal.words}»")
    return lines


def cmd_report(loaded: Loaded, engine: Engine, days: int, html_file: str | None) -> int:
    """Print the review report; with --html also write it as a page with charts."""
    from pathlib import Path

    from .report import ReportError, build_report, render_text, write_html

    assert loaded.config is not None
    if days < 1:
        print("--days must be 1 or more.", file=sys.stderr)
        return 2
    try:
        report = build_report(loaded.config.storage.path, engine.knowledge, days, matcher=engine.matcher)
    except ReportError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(render_text(report))
    if html_file:
        write_html(report, Path(html_file))
        print(f"Wrote {html_file}: open it in a browser.")
    return 0


def cmd_crisis_learn(
    engine: Engine, crisis_sets: list[str] | None, question_sets: list[str] | None, out: str | None
) -> int:
    """Learn the crisis word weights from the example sets and write them for the next start."""
    import dataclasses
    from pathlib import Path

    from . import crisiswords

    root = Path(__file__).resolve().parent.parent
    crisis_paths = [Path(p) for p in crisis_sets] if crisis_sets else crisiswords.default_crisis_sets(root)
    question_paths = [Path(p) for p in question_sets] if question_sets else crisiswords.default_question_sets(root)
    try:
        examples = crisiswords.examples_from(crisis_paths, question_paths, engine.recogniser.words)
    except crisiswords.LearnError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    families = [family.id for family in engine.knowledge.crisis.families]
    model = crisiswords.train(examples, families)
    sources = {crisiswords.source_name(p, root): crisiswords.fingerprint(p) for p in [*crisis_paths, *question_paths]}
    model = dataclasses.replace(model, sources=sources)
    target = Path(out) if out else crisiswords.MODEL_FILE
    crisiswords.save(model, target)
    crises = sum(1 for _tokens, label in examples if label != crisiswords.NOT_CRISIS)
    print(
        f"Learned from {len(examples)} messages ({crises} crisis) in "
        f"{len(crisis_paths) + len(question_paths)} files: {len(model.weights)} words and word pairs, "
        f"written to {target}."
    )
    return 0


def cmd_chat(engine: Engine, intro: str | None = None) -> int:
    from .console import run_chat

    run_chat(engine, intro=intro)
    return 0


def cmd_run(loaded: Loaded, engine: Engine) -> int:
    assert loaded.config is not None
    token = telegram_token(loaded.config)
    if not token:
        return cmd_chat(engine, intro=CONNECT_HINT)
    assert loaded.knowledge is not None
    from .telegram_app import run  # imported only here: `ask` and `check` never load telegram

    run(loaded.config, loaded.knowledge)
    return 0

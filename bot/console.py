"""The local console chat: the same engine as Telegram, choices shown as numbers to type."""

from __future__ import annotations

from collections.abc import Callable

from .engine import Engine
from .replies import Outcome, Reply, render_plain

QUIT_WORDS = frozenset({"stop", "quit", "exit", "/stop"})
CHAT = "console"  # the one conversation of the local chat, for the crisis reminder
PROMPT = "jij> "


def run_chat(
    engine: Engine,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    intro: str | None = None,
) -> None:
    """Talk until the person types stop or closes the input (Ctrl-D / Ctrl-C)."""
    if intro:
        write(intro)
    write("Stel je vraag. Typ het nummer van een keuze om die te kiezen, of 'stop' om te stoppen.\n")
    last: Reply | None = None
    while True:
        try:
            line = read(PROMPT).strip()
        except (EOFError, KeyboardInterrupt):
            write("\nTot ziens!")
            return
        if line.lower() in QUIT_WORDS:
            write("Tot ziens!")
            return
        if last is not None and line.isdigit():
            reply = engine.remind(CHAT, _choose(engine, last, line))
        else:
            reply = engine.reply(line, chat=CHAT)
        write(f"\nbot> {render_plain(reply)}\n")
        last = reply if reply.choices else None


def _choose(engine: Engine, last: Reply, line: str) -> Reply:
    """A typed number picks a choice of the previous reply; one past the list is 'none of these'."""
    number = int(line)
    if 1 <= number <= len(last.choices):
        return engine.answer_for(last.choices[number - 1].faq_id)
    if last.none_label and number == len(last.choices) + 1 and last.outcome is Outcome.CLARIFY:
        return engine.escalation("declined")
    return engine.reply(line)

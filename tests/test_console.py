"""The console chat: numbers pick choices, 'none of these' escalates, stop ends."""

from __future__ import annotations

from bot.console import run_chat
from bot.engine import Engine


def test_numbers_pick_a_choice(engine: Engine) -> None:
    out: list[str] = []
    lines = iter(["school", "1", "stop"])
    run_chat(engine, read=lambda _p: next(lines), write=out.append)
    clarify, chosen = out[1], out[2]
    assert "1. " in clarify and "Geen van deze" in clarify
    first_choice = engine.reply("school").choices[0].question
    assert first_choice in chosen
    assert out[-1] == "Tot ziens!"


def test_none_of_these_hands_over(engine: Engine) -> None:
    out: list[str] = []
    choices = len(engine.reply("school").choices)
    lines = iter(["school", str(choices + 1)])

    def read(_prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    run_chat(engine, read=read, write=out.append)
    assert "Jammer dat ik je niet verder kon helpen" in out[2]
    assert "070 - 333 4558" in out[2]
    assert out[-1] == "\nTot ziens!"

"""The engine: smalltalk, bad input, hand-over with the line's status (crisis: test_crisis.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import Engine, clean_message
from bot.replies import Outcome
from tests.conftest import AMSTERDAM, CLOSED_MOMENT, OPEN_MOMENT


@pytest.mark.parametrize(
    ("message", "start"),
    [
        ("hoi", "Hoi!"),
        ("Goedemorgen!", "Hoi!"),
        ("dankjewel voor je hulp", "Graag gedaan!"),
        ("top, bedankt!!", "Graag gedaan!"),
        ("doei", "Tot ziens!"),
        ("hello", "Hoi!"),
        ("ben jij een robot?", "Ik ben een geautomatiseerde assistent"),
    ],
)
def test_smalltalk(engine: Engine, message: str, start: str) -> None:
    reply = engine.reply(message)
    assert reply.outcome is Outcome.SMALLTALK
    assert reply.text.startswith(start)


def test_greeting_before_a_question_answers_the_question(engine: Engine) -> None:
    reply = engine.reply("hoi! wat doet een jongerenwerker?")
    assert reply.outcome is Outcome.ANSWER
    assert reply.faq_id == "jongerenwerk-wat-doet"


def test_answer_lists_related_questions(engine: Engine) -> None:
    reply = engine.answer_for("politie-protocol")
    assert reply.outcome is Outcome.ANSWER
    assert reply.sections[0].title == reply.choices_title or reply.sections[0].title
    assert reply.choices and all(engine.knowledge.get(c.faq_id) for c in reply.choices)
    assert "Misschien wil je ook weten:" in reply.text


def test_a_button_for_a_removed_entry_gets_a_graceful_reply(engine: Engine) -> None:
    reply = engine.answer_for("bestaat-niet-meer")
    assert reply.outcome is Outcome.ESCALATE
    assert "niet meer in mijn lijst" in reply.text
    assert "platformjep@minszw.nl" in reply.text


def test_out_of_scope_says_where_to_go(engine: Engine) -> None:
    reply = engine.reply("hoe vraag ik een paspoort aan")
    assert reply.outcome is Outcome.ESCALATE
    assert "buiten" in reply.text and "gemeente" in reply.text
    assert "070 - 333 4558" in reply.text


def test_escalation_when_open_says_until_when(make_engine: Callable[[dt.datetime], Engine]) -> None:
    text = make_engine(OPEN_MOMENT).escalation().text
    assert "De lijn is nu open, tot 17.00 uur." in text


def test_escalation_when_closed_gives_next_opening_and_email(make_engine: Callable[[dt.datetime], Engine]) -> None:
    text = make_engine(CLOSED_MOMENT).escalation().text
    assert "De lijn is nu gesloten (buiten kantooruren). Je kunt weer bellen maandag 30 november om 9.00 uur." in text
    assert "Mailen kan altijd." in text and "platformjep@minszw.nl" in text


def test_escalation_on_a_public_holiday(make_engine: Callable[[dt.datetime], Engine]) -> None:
    kings_day = dt.datetime(2026, 4, 27, 11, 0, tzinfo=AMSTERDAM)
    text = make_engine(kings_day).escalation().text
    assert "(vanwege Koningsdag)" in text
    assert "morgen om 9.00 uur" in text


@pytest.mark.parametrize(
    ("message", "outcome"),
    [
        ("", Outcome.SMALLTALK),
        ("   \n\t  ", Outcome.SMALLTALK),
        ("😀😀🎉", Outcome.SMALLTALK),
        ("\x00\x07\x1b\x08", Outcome.SMALLTALK),
        ("\x1b[31m", Outcome.ESCALATE),  # a terminal escape sequence: no question, so the advice line
        ("<b>wat doet een jongerenwerker</b><script>alert(1)</script>", Outcome.ANSWER),
    ],
)
def test_bad_input_gets_a_sensible_reply(engine: Engine, message: str, outcome: Outcome) -> None:
    reply = engine.reply(message)
    assert reply.outcome is outcome
    assert reply.text.strip()


def test_a_huge_message_is_answered(engine: Engine) -> None:
    story = "mijn zoon is vaak op straat en ik maak me zorgen. " * 200 + "wat doet een jongerenwerker?"
    assert len(story) > 10_000
    reply = engine.reply(story)
    assert reply.outcome in set(Outcome)
    assert reply.text


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("hoi\x00 daar\u200b\n\njij", "hoi daar jij"),
        ("  gewoon   een vraag  ", "gewoon een vraag"),  # printable: only spaces collapsed
        ("tab\there", "tab here"),
        ("rechts\u202eom", "rechtsom"),  # a direction override is invisible: dropped
        ("privé\ue000teken", "privéteken"),  # a private-use character
    ],
)
def test_clean_message_drops_control_and_invisible_characters(text: str, cleaned: str) -> None:
    assert clean_message(text) == cleaned


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_exactly_one_outcome(engine: Engine, text: str) -> None:
    reply = engine.reply(text)
    assert reply.outcome in set(Outcome)
    assert reply.text.strip()
    assert 0 <= reply.score <= 100

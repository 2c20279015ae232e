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


def smalltalk_reply(engine: Engine, name: str) -> str:
    return next(i.reply for i in engine.knowledge.smalltalk if i.name == name)


@pytest.mark.parametrize(
    ("message", "name"),
    [
        # the messages from the issue, which used to get the out-of-scope text or the contact card
        ("oke", "acknowledgement"),
        ("ok", "acknowledgement"),
        ("thnx", "thanks"),
        ("dank je bot", "thanks"),
        ("👍", "acknowledgement"),
        ("moi", "greeting"),
        ("Hallo JEP-bot!", "greeting"),
        ("ben jij een echt persoon?", "identity"),
        ("ja", "yes_no"),
        ("nee", "yes_no"),
        # and more
        ("hoi", "greeting"),
        ("Goedemorgen!", "greeting"),
        ("hello", "greeting"),
        ("hedde", "greeting"),
        ("hallo daar", "greeting"),
        ("hoi, ik heb een vraag", "greeting"),
        ("fawaka", "how_are_you"),
        ("hoe gaat ie?", "how_are_you"),
        ("alles goed?", "how_are_you"),
        ("hoegaondiet", "how_are_you"),
        ("dankjewel voor je hulp", "thanks"),
        ("top, bedankt!!", "thanks"),
        ("hartelijk dank voor de uitleg", "thanks"),
        ("tnx", "thanks"),
        ("merci", "thanks"),
        ("🙏", "thanks"),
        ("❤️❤️", "thanks"),
        ("okidoki", "acknowledgement"),
        ("helder", "acknowledgement"),
        ("begrepen", "acknowledgement"),
        ("👌", "acknowledgement"),
        ("👍🏾", "acknowledgement"),
        ("doei", "goodbye"),
        ("fijne dag nog, en bedankt!", "goodbye"),
        ("ben jij een robot?", "identity"),
        ("praat ik met een mens", "identity"),
        ("wat kun je?", "capabilities"),
        ("waar kan ik je alles over vragen", "capabilities"),
        ("what can you do", "capabilities"),
        ("klopt", "yes_no"),
        ("nope", "yes_no"),
    ],
)
def test_smalltalk(engine: Engine, message: str, name: str) -> None:
    reply = engine.reply(message)
    assert reply.outcome is Outcome.SMALLTALK
    assert reply.text == smalltalk_reply(engine, name)
    assert engine.knowledge.messages.format("out_of_scope") not in reply.text


@pytest.mark.parametrize(
    "message", ["help", "Help!", "hulp", "ik snap het niet", "hoe werkt dit?", "hoi, hoe werkt deze bot", "huh"]
)
def test_help_gets_the_help_text(engine: Engine, message: str) -> None:
    reply = engine.reply(message)
    assert reply.outcome is Outcome.SMALLTALK
    assert reply.text == engine.knowledge.messages.format("help")  # the same text as /help
    assert "/onderwerpen" in reply.text


@pytest.mark.parametrize("message", ["??", "...", "?", "!!!", "😊", "🤔", "😀😀🎉", ":)", "👎"])
def test_no_words_gets_a_friendly_prompt(engine: Engine, message: str) -> None:
    reply = engine.reply(message)
    assert reply.outcome is Outcome.SMALLTALK
    assert reply.text == engine.knowledge.messages.format("no_words")
    assert "Typ je vraag" in reply.text


def test_every_smalltalk_phrase_on_its_own_gets_smalltalk(engine: Engine) -> None:
    """Each phrase alone gets the reply of its intent, or of an intent listed higher (which wins)."""
    intents = engine.knowledge.smalltalk
    for number, intent in enumerate(intents):
        for phrase in intent.phrases:
            reply = engine.reply(phrase)
            assert reply.outcome is Outcome.SMALLTALK, phrase
            assert reply.text in {i.reply for i in intents[: number + 1]}, phrase


def test_the_examples_in_the_capabilities_reply_are_answered(engine: Engine) -> None:
    examples = [line[1:].strip() for line in smalltalk_reply(engine, "capabilities").splitlines() if line[:1] == "•"]
    assert len(examples) == 3
    for example in examples:
        assert engine.reply(example).outcome is Outcome.ANSWER, example


@pytest.mark.parametrize(
    ("message", "faq_id"),
    [
        ("hoi! wat doet een jongerenwerker?", "jongerenwerk-wat-doet"),
        ("hoi, wat doet een jongerenwerker?", "jongerenwerk-wat-doet"),
        ("bedankt! en hoe werkt het met de politie?", "politie-samenwerking"),
        ("ok maar wat doet de jongerenwerker op school", "onderwijs-op-school"),
        ("help mijn zoon spijbelt, kan het jongerenwerk helpen", "onderwijs-schooluitval"),
        ("hoi, wie is JEP?", "jos-platform-jep"),
        ("dag, wat is JOS?", "jos-wat-is"),
        ("help, hoe bereik ik de advieslijn", "advieslijn-bereikbaarheid"),
        ("oké, dank je. Mag de jongerenwerker met de politie praten over mijn kind?", "politie-informatie-delen"),
        ("goedemorgen, ik ben docent en wil samenwerken met het jongerenwerk, hoe pak ik dat aan?",
         "onderwijs-samenwerking-starten"),
        ("wat doet een jongerenwerker? alvast bedankt, groetjes", "jongerenwerk-wat-doet"),
        ("Hoiii 👋 wat doet een jongerenwerker", "jongerenwerk-wat-doet"),
    ],
)  # fmt: skip
def test_smalltalk_around_a_question_answers_the_question(engine: Engine, message: str, faq_id: str) -> None:
    reply = engine.reply(message)
    assert reply.outcome is Outcome.ANSWER
    assert reply.faq_id == faq_id


@pytest.mark.parametrize(
    "message",
    [
        "ja maar wat doet het wijkteam dan",
        "ik zoek hulp voor mijn dochter",
        "kan het jongerenwerk helpen",
        "top dat jullie er zijn, hoe bereik ik de advieslijn?",
        "hoe gaat het met de samenwerking tussen school en jongerenwerk",
    ],
)
def test_a_question_with_smalltalk_words_is_not_smalltalk(engine: Engine, message: str) -> None:
    assert engine.reply(message).outcome in {Outcome.ANSWER, Outcome.CLARIFY}


@pytest.mark.parametrize(
    ("message", "outcome"),
    [
        ("hartelijk dank, ik kan weer verder", Outcome.SMALLTALK),  # thanks around words that ask nothing
        ("top, daar kan ik mee vooruit", Outcome.SMALLTALK),
        (
            "hoi, hoe laat gaat de laatste trein naar Utrecht",
            Outcome.ESCALATE,
        ),  # a greeting around an off-topic question
        ("bedankt! wat wordt t weer morgen", Outcome.ESCALATE),  # off-topic, read as standard Dutch ('t weer')
        ("bedankt! en hoe werkt het jongerenwerk samen met de politie?", Outcome.ANSWER),  # no match: a real question
    ],
)
def test_smalltalk_next_to_words_we_cannot_answer(engine: Engine, message: str, outcome: Outcome) -> None:
    assert engine.reply(message).outcome is outcome


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

"""Long messages: the question sentence(s) of a story."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.focus import is_question, question_part, sentences

STORY = (
    "Hoi, mn zoon is 14 en hangt sinds de zomer elke avond op straat met oudere jongens. "
    "Ik maak me zorgen en mijn man zegt dat het wel meevalt. "
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Eerste zin. Tweede zin! Derde?", ["Eerste zin.", "Tweede zin!", "Derde?"]),
        ("regel een\nregel twee", ["regel een", "regel twee"]),
        ("geen punt aan het eind", ["geen punt aan het eind"]),
        ("", []),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("Wat kan ik doen?", True),
        ("kan de jongerenwerker helpen", True),  # a question word in front, no question mark
        ("Ik vraag me af of de school meedoet.", True),
        ("How do I reach the advice line", True),
        ("Mijn zoon is 14.", False),  # no match
        ("Ik maak me zorgen.", False),  # no match
    ],
)
def test_is_question(sentence: str, question: bool) -> None:
    assert is_question(sentence) is question


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (STORY + "Wat kan ik doen?", "Wat kan ik doen?"),
        (
            STORY + "Kan het jongerenwerk helpen. En werkt dat samen met school?",
            "Kan het jongerenwerk helpen. En werkt dat samen met school?",
        ),
        (STORY + "Graag advies.", "Graag advies."),  # no question sentence: the last one
        ("Wat doet een jongerenwerker?", None),  # short: all of it is the question
        (STORY.replace(". ", ", "), None),  # one long sentence: nothing to choose
        ("Wat is JOS? En wie doet mee? En waar vind ik meer? " * 3, None),  # every sentence asks
    ],
)
def test_question_part(text: str, expected: str | None) -> None:
    assert question_part(text, 30) == expected


def test_a_long_story_is_answered_on_its_question(engine: Engine) -> None:
    story = (
        "Mijn dochter van 13 zit in de brugklas. Ze vertelde gisteren dat er een jongerenwerker op school is "
        "met wie ze na de les kan praten. Ik wist niet eens dat dat bestond en ik vind het eerlijk gezegd een "
        "beetje raar. Wat doet een jongerenwerker op een school?"
    )
    result = engine.match(story)
    assert result.focus == "Wat doet een jongerenwerker op een school?"
    assert result.best is not None and result.best.entry.id == "onderwijs-op-school"
    assert engine.reply(story).faq_id == "onderwijs-op-school"

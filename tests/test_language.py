"""Dutch or English per message, with the fallbacks."""

from __future__ import annotations

import pytest

from bot.language import choose, detect


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I don't speak Dutch well, my son hangs out on the street every night", "en"),
        ("How does youth work cooperate with the police?", "en"),
        ("what does a youth worker do at school", "en"),
        ("Hoe werkt het jongerenwerk samen met de politie?", "nl"),
        ("mijn zoon hangt elke avond op straat, wat kan ik doen", "nl"),
        ("wat doet een jongerenwerker op school", "nl"),
        ("mn zoon wil nie meer naar school", "nl"),  # chat-speak still has Dutch words
        ("school", None),  # one shared word: no decision
        ("ok", None),
        ("JOS", None),
        ("hallo", None),  # one word: too little
        ("112", None),
        ("", None),
    ],
)
def test_detect(text: str, language: str | None) -> None:
    assert detect(text) == language


@pytest.mark.parametrize(
    ("text", "last", "telegram", "expected"),
    [
        ("What does a youth worker do?", "nl", "nl", "en"),  # the message's own words win
        ("ok", "en", "nl", "en"),  # then the chat's last language
        ("ok", None, "en-GB", "en"),  # then Telegram's
        ("ok", None, "nl", "nl"),
        ("ok", None, None, "nl"),  # Dutch by default
        ("ok", "xx", None, "nl"),  # an unknown last language is ignored
    ],
)
def test_choose(text: str, last: str | None, telegram: str | None, expected: str) -> None:
    assert choose(text, last, telegram) == expected

"""Phrase spotting for crisis and smalltalk: order, gaps, prefixes and typo rules."""

from __future__ import annotations

import pytest

from bot.screening import PhraseSpotter


@pytest.mark.parametrize(
    ("phrases", "text", "found"),
    [
        (["wil dood"], "ik wil echt gewoon dood", ("wil", "dood")),  # two words between: allowed
        (["wil dood"], "ik wil echt heel erg graag dood", None),  # too far apart
        (["wil dood"], "dood wil ik niet", None),  # wrong order
        (["mishandel"], "hij is mishandeld", ("mishandel",)),  # prefix
        (["zelfmoord"], "gedachten aan zelfmord", ("zelfmoord",)),  # one typo in a long word
        (["slaat me"], "hij staat me in de weg", None),  # short words must be exact
        (["verkracht"], "veerkracht", None),  # a real word is never a typo
        (["niet meer leven"], "ik wil niet meer leve", ("niet", "meer", "leven")),  # dropped last letter
    ],
)
def test_phrase_spotting(phrases: list[str], text: str, found: tuple[str, ...] | None) -> None:
    spotter = PhraseSpotter(phrases, prefixes=True, real_words={"veerkracht", "staat"})
    assert spotter.first(text) == found


def test_without_prefixes_longer_words_do_not_match() -> None:
    assert PhraseSpotter(["super"]).first("de supermarkt") is None
    assert PhraseSpotter(["super"], prefixes=True).first("de supermarkt") == ("super",)

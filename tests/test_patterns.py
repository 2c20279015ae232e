"""The signal syntax staff write in crisis.yaml: order, gaps, prefixes, alternatives, groups, typos."""

from __future__ import annotations

import pytest

from bot.lexicon import Lexicon, words
from bot.patterns import BREAK, PatternError, PatternSet, normalise, sentences, words_with_breaks

GROUPS = {"ouder": ["papa", "mama", "vriend van mama"], "mij": ["me", "mij"]}
REAL = {"veerkracht", "staat", "gestolen", "mensen"}


def found(pattern: str, text: str, groups: dict[str, list[str]] | None = None) -> bool:
    tokens = words_with_breaks(words(s) for s in sentences(text))
    return bool(PatternSet([pattern], groups if groups is not None else GROUPS, REAL).find(tokens))


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("wil dood", "ik wil dood", True),
        ("wil dood", "ik wil echt gewoon dood", True),  # two words between: allowed
        ("wil dood", "ik wil echt heel erg graag dood", False),  # three: too far
        ("wil dood", "dood wil ik niet", False),  # wrong order
        ("wil dood", "ik wil. dood is", False),  # a phrase never runs across the end of a sentence
        ("snij*", "ze snijdt zich", True),  # prefix
        ("snij*", "de snee", False),  # no match: another word
        ("slaat|sloeg me", "hij sloeg me", True),  # alternatives of one word
        ("slaat|sloeg me", "hij slaat haar", False),  # no match
        ("<ouder> slaat", "papa slaat", True),  # a group
        ("<ouder> slaat", "vriend van mama slaat", True),  # a group member of several words
        ("<ouder> slaat", "de buurman slaat", False),  # no match: not in the group
        ("<ouder>|oom slaat", "oom slaat", True),  # a group among alternatives
        ("<getal> euro", "betaal 200 euro", True),  # the number group
        ("<getal> euro", "betaal twee euro", False),  # words are not digits
        ("<ouder> + slaat", "hij slaat mama elke dag", True),  # any order
        ("<ouder> + slaat", "slaat " + "ja " * 12 + "mama", False),  # but within twelve words
        ("zelfmoord", "ik denk aan zelfmord", True),  # one typo in a word of seven letters or more
        ("zelfmoord", "ik denk aan zelf", False),  # no match: a different word
        ("pillen", "pilen", False),  # shorter words must be spelt right (or miss only the last letter)
        ("verkracht", "veerkracht is belangrijk", False),  # a real word is never a typo
        ("gestoken", "mijn fiets is gestolen", False),  # a real word is never a typo
        ("messen", "mensen", False),  # ... not even one letter off
        ("niet meer leven", "ik wil niet meer leve", True),  # a dropped last letter
        ("slaat me", "hij staat me in de weg", False),  # short words must match exactly
        ("suïcide", "Suicide!", True),  # accents and case do not matter
        ("foto's", "fotos van mij", True),  # apostrophes do not matter
    ],
)
def test_pattern_syntax(pattern: str, text: str, expected: bool) -> None:
    assert found(pattern, text) is expected


def test_typos_need_the_same_first_letter() -> None:
    assert found("mishandeling", "mishandeing")
    assert not found("mishandeling", "zishandeling")


def test_patterns_are_read_through_the_lexicon() -> None:
    lexicon = Lexicon({"dont": "do not", "nie": "niet"})
    patterns = PatternSet(["dont see the point", "wasnt|isnt here"], {}, rewrite=lambda w: lexicon.apply(w)[0])
    assert patterns.find(lexicon.apply(words("I don't see the point"))[0])
    assert patterns.find(lexicon.apply(words("if I wasn't here"))[0])


def test_every_place_of_a_one_part_pattern_is_reported() -> None:
    tokens = words("hij slaat en slaat en slaat")
    places = [f.spans[0].start for f in PatternSet(["slaat"]).find(tokens)]
    assert places == [1, 3, 5]


def test_breaks_separate_sentences() -> None:
    assert words_with_breaks([["a", "b"], [], ["c"]]) == ["a", "b", BREAK, "c"]
    assert sentences("Hoi. Ik wil dood!\nHelp") == ["Hoi", "Ik wil dood", "Help"]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "wil <dood",
            "'<dood' in 'wil <dood' is geen woord: gebruik letters en cijfers, een * aan het eind, | tussen "
            "woorden die allebei mogen (zonder spaties), of <groep>",
        ),
        ("ab*", "'ab*' in 'ab*' is te kort: schrijf minstens 3 letters voor de *"),
        ("wil + ", "'wil +' heeft een leeg deel: zet woorden aan beide kanten van de +"),
        ("<oom> slaat", "'<oom> slaat' gebruikt de woordgroep <oom>, maar die bestaat niet"),
        ("", "een signaal is leeg"),
    ],
)
def test_pattern_errors_in_plain_dutch(pattern: str, message: str) -> None:
    with pytest.raises(PatternError) as caught:
        PatternSet([pattern], GROUPS)
    assert str(caught.value) == message


def test_too_many_variants_are_refused() -> None:
    groups = {"g": [f"a{i} b{i}" for i in range(30)]}
    with pytest.raises(PatternError, match="op te veel manieren"):
        PatternSet(["<g> <g>"], groups)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Suïcide-gedachte*", "suicide gedachte*"),
        ("'s nachts", "s nachts"),
        ("<ik> wil|wou  dood", "<ik> wil|wou dood"),
    ],
)
def test_patterns_are_normalised_like_messages(written: str, read: str) -> None:
    assert normalise(written) == read

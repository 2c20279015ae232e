"""Dutch normalisation: folding, synonyms, typos, compounds, stop words, stems."""

from __future__ import annotations

import pytest

from bot.knowledge import Knowledge
from bot.matching import Matcher
from bot.text import Normaliser, fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Schoolcarrière?!", "schoolcarriere"),
        ("  Hiërarchie,  école ", "hierarchie ecole"),
        ("<b>HTML</b>", "b html b"),
        ("e-mail: platformjep@minszw.nl", "e mail platformjep minszw nl"),
        ("😀", ""),
        ("  Wat DOET een Jongerenwerker?!  ", "wat doet een jongerenwerker"),  # plain ASCII: the quick path
        ("Ca\u0301rrie\u0300re", "carriere"),  # accents as separate combining marks
        ("STRAẞE", "strasse"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize("text", ["Hoe bereik ik de JEP-Advieslijn?", "a_b\tc\x7f!", "  ", "MiXeD 123 cAsE"])
def test_plain_ascii_folds_the_same_as_the_full_path(text: str) -> None:
    """The quick path for ASCII text gives what the full path (with one accented letter added) gives."""
    assert fold(text + " é") == fold(text) + (" e" if fold(text) else "e")


@pytest.fixture(scope="module")
def normaliser(knowledge: Knowledge) -> Normaliser:
    return Matcher(knowledge).normaliser


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("de wijkagent", ("politie",)),  # synonym
        ("mijn docent", ("school",)),
        ("het VO", ("middelbare", "school")),  # multi-word canonical
        ("sociaal wijkteam", ("wijkteam",)),  # multi-word variant
        ("youth work", ("jongerenwerk",)),  # English
        ("basischool", ("basisschool",)),  # typo corrected to the knowledge vocabulary
        ("poltie", ("politie",)),
        ("fiets gestolen", ("fiets", "gestolen")),  # real words are not "corrected"
        ("buurtorganisaties", ("wijk", "partners")),  # compound split, then synonyms
        ("wat is dat nou eigenlijk", ()),  # stop words only
    ],
)
def test_analyse(normaliser: Normaliser, text: str, words: tuple[str, ...]) -> None:
    assert normaliser.analyse(text).words == words


@pytest.mark.parametrize(
    ("text", "words", "rewrites"),
    [
        ("wrm werkt jongerenwerk samen met de pliesie", ("jongerenwerk", "samenwerking", "politie"), 2),
        ("mn zoon", ("kind",), 1),  # chat-speak, then the synonym
        ("nie", (), 1),  # 'niet' (a stop word), not corrected to 'nu'
        ("kga ff vragen", (), 2),
        ("samenwerking met de politie", ("samenwerking", "politie"), 0),  # no match: nothing to read
    ],
)
def test_the_lexicon_is_read_before_typo_correction(
    normaliser: Normaliser, text: str, words: tuple[str, ...], rewrites: int
) -> None:
    analysis = normaliser.analyse(text)
    assert analysis.words == words
    assert len(analysis.rewrites) == rewrites
    assert not analysis.corrections


def test_corrections_and_unknown_words_are_reported(normaliser: Normaliser) -> None:
    analysis = normaliser.analyse("basischool paspoort")
    assert analysis.corrections == (("basischool", "basisschool"),)
    assert analysis.unknown == ("paspoort",)


def test_stemming_unifies_inflections(normaliser: Normaliser) -> None:
    assert normaliser.analyse("werkplaatsen").terms == normaliser.analyse("werkplaats").terms

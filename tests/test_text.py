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
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


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


def test_corrections_and_unknown_words_are_reported(normaliser: Normaliser) -> None:
    analysis = normaliser.analyse("basischool paspoort")
    assert analysis.corrections == (("basischool", "basisschool"),)
    assert analysis.unknown == ("paspoort",)


def test_stemming_unifies_inflections(normaliser: Normaliser) -> None:
    assert normaliser.analyse("werkplaatsen").terms == normaliser.analyse("werkplaats").terms

"""The lexicon of everyday Dutch: typed forms to standard words, and its checks for staff."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import Knowledge
from bot.lexicon import Lexicon, Rewrite, load_lexicon, words
from bot.problems import Problem
from tests.yamlfiles import load_file

LEXICON = Lexicon({"mn": "mijn", "kga": "ik ga", "kan t": "kan het", "nie": "niet", "m'n": "mijn"})


@pytest.mark.parametrize(
    ("typed", "standard"),
    [
        ("mn zoon", "mijn zoon"),
        ("kga nie", "ik ga niet"),
        ("ik kan t nie meer aan", "ik kan het niet meer aan"),  # the longest form first: 'kan t'
        ("m'n moeder", "mijn moeder"),  # apostrophes do not matter
        ("M’N Moeder!", "mijn moeder"),  # nor curly ones, case or punctuation
        ("wat doet een jongerenwerker", "wat doet een jongerenwerker"),  # no match: unchanged
        ("", ""),
    ],
)
def test_apply(typed: str, standard: str) -> None:
    assert " ".join(LEXICON.standard_words(typed)) == standard


def test_apply_reports_what_it_changed() -> None:
    _, rewrites = LEXICON.apply(words("mn zoon kan t nie"))
    assert rewrites == [Rewrite("mn", "mijn"), Rewrite("kan t", "kan het"), Rewrite("nie", "niet")]


def test_laughing_emoji_read_as_haha() -> None:
    assert words("ik wil dood 😂") == ["ik", "wil", "dood", "haha"]


@pytest.mark.parametrize(
    ("typed", "standard"),
    [
        ("mn", "mijn"),
        ("zn", "zijn"),
        ("ff", "even"),
        ("wrm", "waarom"),
        ("kga", "ik ga"),
        ("nie", "niet"),
        ("pliesie", "politie"),
        ("jongerewerker", "jongerenwerker"),
        ("mien", "mijn"),
        ("nait", "niet"),
        ("pls", "please"),
    ],
)
def test_the_real_lexicon_knows_everyday_forms(knowledge: Knowledge, typed: str, standard: str) -> None:
    assert " ".join(knowledge.lexicon.standard_words(typed)) == standard


def test_the_real_lexicon_is_large(knowledge: Knowledge) -> None:
    assert len(knowledge.lexicon) >= 300


def load(tmp_path: Path, text: str) -> tuple[Lexicon | None, list[Problem]]:
    return load_file(tmp_path, "lexicon.yaml", text, load_lexicon)


def test_the_same_form_twice_with_the_same_meaning_is_fine(tmp_path: Path) -> None:
    lexicon, problems = load(tmp_path, 'chattaal:\n  mn: mijn\n  "m\'n": mijn\n')
    assert problems == [] and lexicon is not None and len(lexicon) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "chattaal:\n  mn: mijn\nspelling:\n  mn: man\n",
            "==> File knowledge/lexicon.yaml, line 4\n"
            "==> At onderdeel 'spelling'\n"
            "=====> Error: 'mn' staat al in het bestand (onderdeel 'chattaal', regel 2), daar met een andere "
            "betekenis: 'mijn'.\n"
            "       What to do: Elke vorm mag maar één betekenis hebben; haal een van de twee regels weg.",
        ),
        (
            "engels:\n  yes: ja\n",
            "==> File knowledge/lexicon.yaml, line 2\n"
            "==> At onderdeel 'engels'\n"
            "=====> Error: de regel 'yes: ja' wordt niet als twee woorden gelezen.\n"
            '       What to do: Zet de woorden tussen dubbele aanhalingstekens, bijvoorbeeld "no": nee; woorden als '
            "yes, no, on, off en getallen hebben aanhalingstekens nodig.",
        ),
        (
            "chattaal:\n  '!!': mijn\n",
            "==> File knowledge/lexicon.yaml, line 2\n"
            "==> At onderdeel 'chattaal'\n"
            "=====> Error: de regel '!!: mijn' heeft een lege kant.\n"
            "       What to do: Schrijf links wat mensen typen en rechts het gewone woord, of haal de regel weg.",
        ),
        (
            "chattaal:\n  - mn\n",
            "==> File knowledge/lexicon.yaml, line 1\n"
            "==> At onderdeel 'chattaal'\n"
            "=====> Error: onder 'chattaal' horen regels als 'mn: mijn', maar het is a list.\n"
            "       What to do: Schrijf elke regel als: wat-mensen-typen: standaard nederlands (twee spaties ervoor).",
        ),
        (
            "- mn: mijn\n",
            "==> File knowledge/lexicon.yaml, line 1\n"
            "=====> Error: het bestand moet uit onderdelen bestaan (zoals 'chattaal:'), maar het is a list.\n"
            "       What to do: Begin elk onderdeel met een naam en een dubbele punt, met de regels twee spaties "
            "ingesprongen eronder.",
        ),
    ],
)
def test_problems_in_plain_dutch(tmp_path: Path, text: str, expected: str) -> None:
    lexicon, problems = load(tmp_path, text)
    assert lexicon is None
    assert [p.format() for p in problems] == [expected]


def test_an_empty_file_is_a_warning_and_an_empty_lexicon(tmp_path: Path) -> None:
    lexicon, problems = load(tmp_path, "# niets\n")
    assert lexicon is not None and len(lexicon) == 0
    assert [p.format() for p in problems] == [
        "==> File knowledge/lexicon.yaml, line 1\n"
        "=====> Warning: het bestand is leeg: de bot herkent nu geen chattaal of dialect.\n"
        "       What to do: Zet het bestand terug uit de repository (git checkout), of vul het met onderdelen zoals "
        "'chattaal:'."
    ]

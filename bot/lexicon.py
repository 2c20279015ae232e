"""Everyday Dutch in, standard Dutch out: chat-speak, spelling variants, dialect and slang.

Staff keep the lexicon in `knowledge/lexicon.yaml`: per section a list of `typed: standard`
lines ('mn: mijn', 'kga: ik ga', "'s avonds" is written as typed). The bot applies it to a
message before anything else reads the words: crisis screening and (through the
normaliser) matching. A typed form may be several words ('kan t: kan het'); the longest
form that fits wins.

Words are made comparable the same way on both sides: apostrophes inside and before
words are dropped ("m'n" → 'mn', "'s nachts" → 's nachts', "foto's" → 'fotos'), then
case, accents and punctuation are folded away (`text.fold`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .patterns import BREAK
from .problems import Problem, error, warning
from .schema import type_name
from .text import comparable
from .yamlsource import YamlDoc

logger = logging.getLogger(__name__)

# Laughing, eye-rolling and grimacing emoji say "this is a joke" as clearly as 'haha' does;
# everything else that is not a letter or digit is dropped by `comparable`.
_LAUGHING = re.compile(
    "[\U0001f602\U0001f923\U0001f606\U0001f605\U0001f639\U0001f480\U0001f644\U0001f62c\U0001f92a\U0001f61c\U0001f61d\U0001f485]"
)


def words(text: str) -> list[str]:
    return comparable(_LAUGHING.sub(" haha ", text)).split()


_APOSTROPHES = re.compile(r"[’‘'`´]")
# A word, or the end of a sentence (as `patterns.sentences` splits them).
_TOKEN = re.compile(r"(?P<end>[.!?;:\n]+(?=\s|$)|[()\[\]]|\s[-–—]\s)|[0-9a-z]+")


def sentence_words(text: str) -> list[str]:
    """The words of a message in one pass, with `BREAK` where a sentence ends.

    The same words as `words` per sentence of `patterns.sentences`, but one regular-expression
    pass over the whole text: a 4,000-character story has dozens of sentences.
    """
    text = _APOSTROPHES.sub("", _LAUGHING.sub(" haha ", text))
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    out: list[str] = []
    for match in _TOKEN.finditer(text.casefold()):
        if match.group("end") is None:
            out.append(match.group())
        elif out and out[-1] != BREAK:
            out.append(BREAK)
    if out and out[-1] == BREAK:
        out.pop()
    return out


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One change the lexicon made, for the staff test pane: 'mn' → 'mijn'."""

    typed: str
    standard: str


class Lexicon:
    """Typed forms (one or more words) mapped to standard words."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for typed, standard in mapping.items():
            typed_words = tuple(words(typed))
            standard_words = tuple(words(standard))
            if typed_words and standard_words and typed_words != standard_words:
                self._by_first.setdefault(typed_words[0], []).append((typed_words, standard_words))
        for options in self._by_first.values():
            options.sort(key=lambda pair: -len(pair[0]))  # longest form first
        self.size = sum(len(options) for options in self._by_first.values())

    def __len__(self) -> int:
        return self.size

    def apply(self, tokens: Sequence[str]) -> tuple[list[str], list[Rewrite]]:
        """The words with every typed form replaced, and what was replaced."""
        if not self._by_first:
            return list(tokens), []
        out: list[str] = []
        rewrites: list[Rewrite] = []
        index = 0
        while index < len(tokens):
            for typed, standard in self._by_first.get(tokens[index], ()):
                if tuple(tokens[index : index + len(typed)]) == typed:
                    out.extend(standard)
                    rewrites.append(Rewrite(" ".join(typed), " ".join(standard)))
                    index += len(typed)
                    break
            else:
                out.append(tokens[index])
                index += 1
        return out, rewrites

    def standard_words(self, text: str) -> list[str]:
        return self.apply(words(text))[0]

    def read(self, text: str) -> tuple[list[str], list[Rewrite]]:
        """A text's words in standard Dutch, and what was rewritten (for the test pane)."""
        return self.apply(words(text))


EMPTY = Lexicon({})


def load_lexicon(doc: YamlDoc | None, problems: list[Problem]) -> Lexicon | None:
    """Check `lexicon.yaml`: sections of `typed: standard` lines, every typed form once."""
    if doc is None:
        return None
    if doc.data is None:
        problems.append(
            warning(
                doc.file,
                1,
                "het bestand is leeg: de bot herkent nu geen chattaal of dialect.",
                "Zet het bestand terug uit de repository (git checkout), of vul het met onderdelen zoals 'chattaal:'.",
            )
        )
        return EMPTY
    if not isinstance(doc.data, dict):
        problems.append(
            error(
                doc.file,
                1,
                f"het bestand moet uit onderdelen bestaan (zoals 'chattaal:'), maar het is {type_name(doc.data)}.",
                "Begin elk onderdeel met een naam en een dubbele punt, met de regels twee spaties "
                "ingesprongen eronder.",
            )
        )
        return None
    mapping: dict[str, str] = {}
    where: dict[str, tuple[str, int | None]] = {}
    ok = True
    for section, lines in doc.data.items():
        at = f"onderdeel '{section}'"
        if lines is None:
            continue
        if not isinstance(lines, dict):
            problems.append(
                error(
                    doc.file,
                    doc.line((str(section),)),
                    f"onder '{section}' horen regels als 'mn: mijn', maar het is {type_name(lines)}.",
                    "Schrijf elke regel als: wat-mensen-typen: standaard nederlands (twee spaties ervoor).",
                    at,
                )
            )
            ok = False
            continue
        # The keys as typed, in order: YAML reads 'yes:' as True, but staff wrote 'yes'.
        typed_keys = [path[1] for path in doc.lines if len(path) == 2 and path[0] == str(section)]
        for position, (typed, standard) in enumerate(lines.items()):
            raw_key = str(typed_keys[position]) if position < len(typed_keys) else str(typed)
            line = doc.line((str(section), raw_key))
            if not isinstance(typed, str) or not isinstance(standard, str):
                shown = doc.raw.get((str(section), raw_key), str(standard))
                problems.append(
                    error(
                        doc.file,
                        line,
                        f"de regel '{raw_key}: {shown}' wordt niet als twee woorden gelezen.",
                        'Zet de woorden tussen dubbele aanhalingstekens, bijvoorbeeld "no": nee; woorden als '
                        "yes, no, on, off en getallen hebben aanhalingstekens nodig.",
                        at,
                    )
                )
                ok = False
                continue
            key = comparable(typed)
            if not key or not comparable(standard):
                problems.append(
                    error(
                        doc.file,
                        line,
                        f"de regel '{typed}: {standard}' heeft een lege kant.",
                        "Schrijf links wat mensen typen en rechts het gewone woord, of haal de regel weg.",
                        at,
                    )
                )
                ok = False
                continue
            if key in mapping and comparable(mapping[key]) == comparable(standard):
                continue  # "m'n" next to 'mn': the same form, written both ways
            if key in mapping:
                first_section, first_line = where[key]
                problems.append(
                    error(
                        doc.file,
                        line,
                        f"'{typed}' staat al in het bestand (onderdeel '{first_section}', regel {first_line}), "
                        f"daar met een andere betekenis: '{mapping[key]}'.",
                        "Elke vorm mag maar één betekenis hebben; haal een van de twee regels weg.",
                        at,
                    )
                )
                ok = False
                continue
            mapping[key] = standard
            where[key] = (str(section), line)
    if not ok:
        return None
    return Lexicon(mapping)

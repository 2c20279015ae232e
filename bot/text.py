"""Dutch text normalisation for matching.

`fold` is the shared first step (case, accents, punctuation). `Normaliser` turns a text
into the content terms the matcher compares: multi-word synonyms, typo correction
against the knowledge vocabulary, single-word synonyms, stop words, then stemming.
Knowledge phrasings and user questions go through the same pipeline, so both sides
meet on the same terms.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import msgpack
import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

if TYPE_CHECKING:  # lexicon.py builds on this module
    from .lexicon import Lexicon

_NON_WORD = re.compile(r"[^0-9a-z]+")
_APOSTROPHES = re.compile(r"[’‘'`´]")
# The conservative Porter variant: the newer Snowball 'dutch' stemmer strips 'ge-' and maps
# 'weerbaarheid' to 'weer' (weather), which would make off-topic questions match.
_STEMMER = snowballstemmer.stemmer("dutch_porter")


@functools.lru_cache(maxsize=2)
def zipf_table(language: str) -> dict[str, float]:
    """One language's everyday words (wordfreq's small list) with their Zipf frequency, folded."""
    zipf: dict[str, float] = {}
    for word, value in _wordfreq_small(language):
        # Most entries are plain lower-case ASCII already; only fold the others (fast start-up).
        folded = word if word.isascii() and word.isalpha() else fold(word)
        if folded and " " not in folded and value > zipf.get(folded, 0.0):
            zipf[folded] = value
    return zipf


def _wordfreq_small(language: str) -> Iterator[tuple[str, float]]:
    """(word, Zipf) pairs of wordfreq's small list, read straight from its data file.

    Importing wordfreq itself costs a sixth of a second of start-up (it loads its tokenisers);
    its word lists are plain msgpack files of words per centibel. Should the file not be where
    this version keeps it, wordfreq's own function reads it.
    """
    spec = importlib.util.find_spec("wordfreq")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "data" / f"small_{language}.msgpack.gz"
        try:
            with gzip.open(path) as packed:
                header, *buckets = msgpack.load(packed, raw=False)
        except (OSError, ValueError, msgpack.UnpackException):
            continue
        if isinstance(header, dict) and header.get("format") == "cB":
            # Bucket i holds the words of frequency 10^(-i/100); Zipf is log10(frequency per billion).
            return ((word, 9 - index / 100) for index, bucket in enumerate(buckets) for word in bucket)
    import wordfreq  # pragma: no cover - only when the data file moved

    frequencies = wordfreq.get_frequency_dict(language, wordlist="small")  # pragma: no cover
    return ((w, math.log10(f) + 9) for w, f in frequencies.items() if f > 0)  # pragma: no cover


@functools.lru_cache(maxsize=1)
def common_words() -> dict[str, float]:
    """Everyday Dutch and English words with their Zipf frequency (wordfreq's small lists).

    A word in here is a real word, not a typo, even when the knowledge base never uses it:
    'gestolen' must not be "corrected" to 'gesloten'. The frequency tells how much an
    unknown word says: 'wrote' little, 'paspoort' a lot.
    """
    zipf = dict(zipf_table("nl"))
    for word, value in zipf_table("en").items():
        if value > zipf.get(word, 0.0):
            zipf[word] = value
    return zipf


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: 'Carrière?!' → 'carriere'."""
    if text.isascii():  # most messages: nothing to decompose, so skip the walk over every character
        return " ".join(_NON_WORD.split(text.lower())).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.split(without_marks.casefold())).strip()


def emoji(text: str) -> tuple[str, ...]:
    """The pictures in a text, without skin tones and variation selectors: '👍🏽 ok!' → ('👍',).

    `fold` drops them, so a message of only emoji folds to nothing; smalltalk reads them here.
    """
    if text.isascii():
        return ()
    return tuple(ch for ch in text if unicodedata.category(ch) == "So")


def comparable(text: str) -> str:
    """`fold`, and apostrophes dropped first: "m'n" → 'mn', "'s nachts" → 's nachts', "foto's" → 'fotos'."""
    return fold(_APOSTROPHES.sub("", text))


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


COMPOUND_PART_MIN = 4  # both parts of a split compound are at least this long


@dataclass(frozen=True, slots=True)
class TypoSettings:
    """How far a word may be from a known word to be corrected to it."""

    min_length: int = 4
    max_distance_short: int = 1
    long_from: int = 8
    max_distance_long: int = 2


@dataclass(frozen=True, slots=True)
class Analysis:
    """A text as the matcher sees it."""

    words: tuple[str, ...]  # folded words after synonyms and typo correction, stop words removed
    terms: tuple[str, ...]  # the stems of `words`: what is compared
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, corrected)
    unknown: tuple[str, ...] = ()  # content words the knowledge base does not know
    rewrites: tuple[tuple[str, str], ...] = ()  # (typed, standard): chat-speak and dialect the lexicon read


class Normaliser:
    """Turns text into comparable terms, with the knowledge base's own vocabulary."""

    def __init__(
        self,
        synonyms: Mapping[str, str],
        stopwords: Iterable[str],
        vocabulary: Iterable[str] = (),
        typos: TypoSettings | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.stopwords = frozenset(stopwords)
        self.typos = typos or TypoSettings()
        self._single: dict[str, tuple[str, ...]] = {}
        self._by_stem: dict[str, tuple[str, ...]] = {}
        self._multi: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for variant, canonical in synonyms.items():
            v_words = tuple(variant.split())
            c_words = tuple(canonical.split())
            if len(v_words) == 1:
                self._single[v_words[0]] = c_words
                self._by_stem.setdefault(stem(v_words[0]), c_words)
            elif v_words:
                self._multi.setdefault(v_words[0], []).append((v_words, c_words))
        for options in self._multi.values():
            options.sort(key=lambda pair: -len(pair[0]))  # longest phrase first
        known = set(vocabulary) | set(self._single) | self.stopwords
        for canonical in synonyms.values():
            known.update(canonical.split())
        for variants in self._multi.values():
            for v_words, _ in variants:
                known.update(v_words)
        self.known = frozenset(w for w in known if w)
        self._known_list = sorted(self.known)
        self._known_stems = frozenset(stem(w) for w in self.known)
        self._correct = functools.lru_cache(maxsize=65536)(self._correct_uncached)

    def analyse(self, text: str, correct: bool = True) -> Analysis:
        """Read chat-speak and dialect, fold, apply synonyms, correct typos (user text), drop stop words, stem.

        The lexicon comes before typo correction: 'nie' is 'niet', not a typo of 'nu'.
        """
        rewrites: list[tuple[str, str]] = []
        if self.lexicon is not None and len(self.lexicon):
            read, found = self.lexicon.read(text)
            rewrites = [(r.typed, r.standard) for r in found]
            words = self._apply_multi(read)
        else:
            words = self._apply_multi(fold(text).split())
        out: list[str] = []
        corrections: list[tuple[str, str]] = []
        unknown: list[str] = []
        expanded: list[str] = []
        for word in words:
            expanded.extend(self._split_compound(word) if correct else (word,))
        for word in expanded:
            if correct and word not in self.known:
                fixed = self._correct(word)
                if fixed is None:
                    if word not in self.stopwords and not word.isdigit():
                        unknown.append(word)
                elif fixed != word:
                    corrections.append((word, fixed))
                    word = fixed
            for canon in self._synonym(word):
                if canon not in self.stopwords:
                    out.append(canon)
        return Analysis(
            words=tuple(out),
            terms=tuple(stem(w) for w in out),
            corrections=tuple(corrections),
            unknown=tuple(unknown),
            rewrites=tuple(rewrites),
        )

    def _split_compound(self, word: str) -> tuple[str, ...]:
        """Split an unknown Dutch compound into two known words: 'jongerenwerkorganisaties'."""
        if word in self.known or len(word) < 2 * COMPOUND_PART_MIN or stem(word) in self._known_stems:
            return (word,)
        for cut in range(len(word) - COMPOUND_PART_MIN, COMPOUND_PART_MIN - 1, -1):
            head, tail = word[:cut], word[cut:]
            if head not in self.known:
                continue
            for rest in (tail, tail[1:] if tail[:1] in {"s", "e"} else None):  # linking -s-/-e-
                if rest and len(rest) >= COMPOUND_PART_MIN and (rest in self.known or rest in common_words()):
                    return (head, rest)
        return (word,)

    def _synonym(self, word: str) -> tuple[str, ...]:
        if word in self._single:
            return self._single[word]
        return self._by_stem.get(stem(word), (word,))

    def _apply_multi(self, words: list[str]) -> list[str]:
        if not self._multi:
            return words
        out: list[str] = []
        index = 0
        while index < len(words):
            for variant, canonical in self._multi.get(words[index], ()):
                if tuple(words[index : index + len(variant)]) == variant:
                    out.extend(canonical)
                    index += len(variant)
                    break
            else:
                out.append(words[index])
                index += 1
        return out

    def _correct_uncached(self, word: str) -> str | None:
        """The known word closest to `word` within the allowed distance, if any."""
        settings = self.typos
        if len(word) < settings.min_length or word.isdigit():
            return None
        if stem(word) in self._known_stems:
            return word  # an inflection of a known word: nothing to correct
        if word in common_words():
            return None  # a real word the knowledge base does not use: not a typo
        limit = settings.max_distance_long if len(word) >= settings.long_from else settings.max_distance_short
        found = process.extractOne(word, self._known_list, scorer=Levenshtein.distance, score_cutoff=limit)
        if found is None:
            return None
        candidate = str(found[0])
        # Short words must keep their first letter: 'test' is not a typo of 'rest'.
        if len(word) < settings.long_from and candidate[0] != word[0]:
            return None
        return candidate

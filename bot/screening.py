"""Phrase screening before matching: smalltalk and out-of-scope subjects (crisis: `crisis.py`).

Both look for staff-written phrases in the message, tolerant of typos and inflection:
a phrase word of nine letters or more also matches a misspelt word one letter off
('zelfmoord' finds 'zelfmord'; two letters from twelve), but never a real word ('verkracht'
does not find 'veerkracht'), and with prefixes on (out-of-scope subjects) a word of five letters or
more also matches a word that starts with it ('mishandel' finds 'mishandeld'). A word of
five letters or more may miss its last letter ('leve' finds 'leven'); other than that,
shorter words must match exactly, so 'slaat' never finds 'staat'. The words of a phrase must come
in order, with at most `MAX_GAP` other words between.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from .knowledge import SmalltalkIntent
from .text import fold

MAX_GAP = 2
CACHE_SIZE = 50_000  # distinct words remembered per spotter
PREFIX_FROM = 5  # with prefixes on, phrase words this long also match longer words starting with them
TYPO_FROM = 9  # phrase words this long tolerate one typo ('gestoken' must not find 'gestolen') ...
TWO_TYPOS_FROM = 12  # ... and this long two


def _typo_limit(word: str) -> int:
    if len(word) < TYPO_FROM:
        return 0
    return 2 if len(word) >= TWO_TYPOS_FROM else 1


class PhraseSpotter:
    """Finds any of a list of phrases in a text."""

    def __init__(
        self, phrases: Iterable[str], prefixes: bool = False, real_words: Container[str] = frozenset()
    ) -> None:
        self.prefixes = prefixes
        self.real_words = real_words
        self.phrases: tuple[tuple[str, ...], ...] = tuple(
            dict.fromkeys(tuple(fold(p).split()) for p in phrases if fold(p))
        )
        self._phrase_words = sorted({w for phrase in self.phrases for w in phrase})
        # Indexes so a message word is looked up, not compared with every phrase word.
        self._exact = frozenset(self._phrase_words)
        self._prefixable = frozenset(w for w in self._phrase_words if self.prefixes and len(w) >= PREFIX_FROM)
        self._clipped: dict[str, set[str]] = {}  # 'leve' → {'leven'}: a dropped last letter
        for w in self._phrase_words:
            if len(w) >= PREFIX_FROM:
                self._clipped.setdefault(w[:-1], set()).add(w)
        self._typo_words = [w for w in self._phrase_words if _typo_limit(w)]
        self._cache: dict[str, frozenset[str]] = {}
        # Phrase numbers by first word: only phrases whose first word was found are walked.
        self._by_first: dict[str, list[int]] = {}
        for number, phrase in enumerate(self.phrases):
            self._by_first.setdefault(phrase[0], []).append(number)

    def word_hits(self, word: str) -> frozenset[str]:
        """The phrase words a message word counts as (cached: people use the same words)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: set[str] = set()
        if word in self._exact:
            found.add(word)
        found.update(self._clipped.get(word, ()))
        if self._prefixable:
            found.update(word[:end] for end in range(PREFIX_FROM, len(word)) if word[:end] in self._prefixable)
        # Typo tolerance only for words that are not real words: 'veerkracht' is a word of its
        # own, not a typo of 'verkracht'.
        if len(word) >= TYPO_FROM - 1 and word not in self.real_words:
            for p in self._typo_words:
                limit = _typo_limit(p)
                if Levenshtein.distance(word, p, score_cutoff=limit) <= limit or (
                    self.prefixes
                    and len(word) > len(p)
                    and Levenshtein.distance(word[: len(p)], p, score_cutoff=limit) <= limit
                ):
                    found.add(p)
        result = frozenset(found)
        if len(self._cache) < CACHE_SIZE:
            self._cache[word] = result
        return result

    def _word_hits(self, words: Sequence[str]) -> dict[str, frozenset[str]]:
        """For each distinct message word that counts as a phrase word, the phrase words."""
        hits = {}
        for word in set(words):
            found = self.word_hits(word)
            if found:
                hits[word] = found
        return hits

    def spans(self, words: Sequence[str]) -> list[tuple[tuple[str, ...], int, int]]:
        """Every phrase found, with the index of its first and last word."""
        hits = self._word_hits(words)
        found: list[tuple[tuple[str, ...], int, int]] = []
        if not hits:
            return found
        firsts = {w for found_words in hits.values() for w in found_words}
        numbers = sorted(n for w in firsts for n in self._by_first.get(w, ()))
        for phrase in (self.phrases[n] for n in numbers):  # in list order, as before
            for start, word in enumerate(words):
                if phrase[0] not in hits.get(word, ()):
                    continue
                position = start
                for part in phrase[1:]:
                    for step in range(1, MAX_GAP + 2):
                        nxt = position + step
                        if nxt < len(words) and part in hits.get(words[nxt], ()):
                            position = nxt
                            break
                    else:
                        break
                else:
                    found.append((phrase, start, position))
                    break
        return found

    def first(self, text: str) -> tuple[str, ...] | None:
        spans = self.spans(fold(text).split())
        return spans[0][0] if spans else None


@dataclass(frozen=True, slots=True)
class SmalltalkHit:
    intent: SmalltalkIntent | None  # None: only filler words, no greeting or thanks
    rest: str  # the message without leading and trailing smalltalk, for matching


class SmalltalkScreen:
    def __init__(self, intents: Sequence[SmalltalkIntent], fillers: Iterable[str], stopwords: Iterable[str]) -> None:
        self.intents = tuple(intents)
        self._spotters = [PhraseSpotter(i.phrases) for i in self.intents]
        self._fillers = frozenset(fillers) | frozenset(stopwords)

    def screen(self, text: str) -> SmalltalkHit:
        """Which intent the message is, if it is nothing but smalltalk; else the question part."""
        words = fold(text).split()
        covered = [w in self._fillers for w in words]
        is_phrase = [False] * len(words)
        matched: list[tuple[int, SmalltalkIntent]] = []
        for intent, spotter in zip(self.intents, self._spotters, strict=True):
            for phrase, start, end in spotter.spans(words):
                # Only whole phrases of adjacent words count as smalltalk coverage.
                if end - start + 1 == len(phrase):
                    for i in range(start, end + 1):
                        covered[i] = is_phrase[i] = True
                    matched.append((start, intent))
        if words and all(covered) and matched:
            matched.sort(key=lambda pair: pair[0])
            return SmalltalkHit(matched[-1][1], "")
        if not any(is_phrase):
            return SmalltalkHit(None, text)
        # A greeting or thanks around a real question: match the question without it.
        return SmalltalkHit(None, " ".join(w for w, phrase in zip(words, is_phrase, strict=True) if not phrase))

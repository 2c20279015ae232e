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

import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from .knowledge import SmalltalkIntent
from .text import emoji, fold

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

    @property
    def words(self) -> frozenset[str]:
        """Every word of every phrase."""
        return self._exact

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


# Words that ask something: never filler, so 'hoi, wie is JEP?' is a question, not a greeting.
QUESTION_WORDS = frozenset(
    {
        "wie", "wat", "waar", "waarom", "wanneer", "hoe", "hoeveel", "welke", "welk", "waarover", "waarmee",
        "waarvoor", "waarheen", "who", "what", "where", "why", "when", "how", "which",
    }
)  # fmt: skip
_STRETCHED = re.compile(r"(.)\1{2,}")  # 'hoiii', 'dankjeeee'
_DOUBLED = re.compile(r"(.)\1+")  # 'doeii', 'okk'


@dataclass(frozen=True, slots=True)
class SmalltalkHit:
    intent: SmalltalkIntent | None  # None: not only smalltalk (or only filler words, or an unknown emoji)
    rest: str  # the message without leading and trailing smalltalk, for matching
    partly: SmalltalkIntent | None = None  # smalltalk found next to other words ('dank voor de info, top')


class SmalltalkScreen:
    """Recognises a message that is nothing but smalltalk, and which intent it is.

    A message is smalltalk when every word belongs to a phrase of an intent or is a filler
    (stop words count as filler, question words never do). When it has phrases of several
    intents, the intent listed first in smalltalk.yaml wins ('bedankt voor je hulp' is thanks,
    not help). A message without words is read by its emoji ('👍' is an acknowledgement).
    Stretched words count as their plain form ('hoiii', 'doeii'). Otherwise the greeting or
    thanks at the start and end is taken off and the rest is a question; words the FAQ uses
    (`content`: 'hulp' in 'waar vind ik hulp') stay, the matcher knows what to do with them.
    """

    def __init__(
        self,
        intents: Sequence[SmalltalkIntent],
        fillers: Iterable[str],
        stopwords: Iterable[str],
        content: Container[str] = frozenset(),
    ) -> None:
        self.intents = tuple(intents)
        self._content = content
        self._spotters = [PhraseSpotter(i.phrases) for i in self.intents]
        self._emoji = [frozenset(ch for p in i.phrases if not fold(p) for ch in emoji(p)) for i in self.intents]
        self._fillers = (frozenset(fillers) | frozenset(stopwords)) - QUESTION_WORDS
        self._known = self._fillers.union(*(s.words for s in self._spotters))

    def _plain(self, word: str) -> str:
        """A stretched word in its plain form, if that is a word smalltalk knows: 'hoiii' → 'hoi'."""
        if word in self._known:
            return word
        for plain in (_STRETCHED.sub(r"\1\1", word), _STRETCHED.sub(r"\1", word), _DOUBLED.sub(r"\1", word)):
            if plain in self._known:
                return plain
        return word

    def screen(self, text: str) -> SmalltalkHit:
        """Which intent the message is, if it is nothing but smalltalk; else the question part."""
        folded = fold(text).split()
        if not folded:
            found = set(emoji(text))
            for intent, pictures in zip(self.intents, self._emoji, strict=True):
                if found & pictures:
                    return SmalltalkHit(intent, "")
            return SmalltalkHit(None, text)
        words = [self._plain(w) for w in folded]
        covered = [w in self._fillers for w in words]
        is_phrase = [False] * len(words)
        matched: list[int] = []  # the numbers of the intents found
        for number, spotter in enumerate(self._spotters):
            for phrase, start, end in spotter.spans(words):
                # A phrase counts when the words between its words are fillers: 'ben je wel een mens'.
                parts = set(phrase)
                if all(words[i] in self._fillers or spotter.word_hits(words[i]) & parts for i in range(start, end + 1)):
                    for i in range(start, end + 1):
                        covered[i] = True
                        is_phrase[i] = is_phrase[i] or bool(spotter.word_hits(words[i]) & parts)
                    matched.append(number)
        if all(covered):  # nothing but smalltalk, or only fillers ('ik heb een vraag'): not a greeting
            return SmalltalkHit(self.intents[min(matched)] if matched else None, "" if matched else text)
        # A greeting or thanks around a real question: match the question without it. Only the
        # smalltalk at the start and the end goes (in the middle, 'dag' may be part of the question),
        # and only words the matcher would not know ('bedankt', not 'hulp').
        head = 0
        while covered[head]:
            head += 1
        tail = len(words)
        while covered[tail - 1]:
            tail -= 1
        drop = [
            is_phrase[i] and not head <= i < tail and folded[i] not in self._content and words[i] not in self._content
            for i in range(len(words))
        ]
        partly = self.intents[min(matched)] if matched else None
        if not any(drop):
            return SmalltalkHit(None, text, partly)
        return SmalltalkHit(None, " ".join(w for w, gone in zip(folded, drop, strict=True) if not gone), partly)

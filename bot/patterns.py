"""Word patterns that staff write in YAML, found in a message tolerant of how people type.

A pattern is one line of text. Its syntax, meant to be written by people who are not
programmers (`knowledge/crisis.yaml` explains it again in Dutch):

    wil dood            these words in this order, with at most `MAX_GAP` other words between
    snij*               any word that starts with 'snij' (snij, snijd, snijdt, snijden)
    slaat|sloeg         one of these words
    <ouder>             any word or phrase of the word group 'ouder'
    <getal>             any number written in digits (a built-in group)
    <ouder> + slaat     both parts, in any order, within `WINDOW` words of each other

Every literal word also tolerates the usual slips, so staff need not list them:
a word of `TYPO_FROM` letters or more matches a word one letter off (two letters from
`TWO_TYPOS_FROM`), but only when the typed word is not a real word of its own
('veerkracht' never counts as 'verkracht') and begins with the same letter; and a word of
`CLIP_FROM` letters or more also matches the same word without its last letter ('leve').

Patterns are matched against words that are already folded (lower case, no accents or
punctuation) and passed through the lexicon (chat-speak and dialect to standard Dutch).
A phrase never runs across the end of a sentence.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .text import common_words

MAX_GAP = 2  # other words allowed between two words of a phrase
WINDOW = 12  # words within which the parts of an 'a + b' pattern must all be found
TYPO_FROM = 7
TWO_TYPOS_FROM = 11
CLIP_FROM = 5
MIN_PREFIX = 3  # 'ab*' is too short to mean anything
MAX_VARIANTS = 400  # multi-word group members multiply; beyond this a pattern is refused
CACHE_SIZE = 50_000
MAX_PLACES = 8  # places reported per pattern
BREAK = "\x00"  # the token between two sentences: no phrase runs across it
_SENTENCE_END = re.compile(r"[.!?;:\n]+(?:\s|$)|[()\[\]]|\s[-–—]\s")
_NOT_PATTERN = re.compile(r"[^0-9a-z*|<>+ ]+")
_GROUP = re.compile(r"^<([^<>]+)>$")
_PLAIN = re.compile(r"^[0-9a-z]+$")
NUMBER_GROUP = "getal"
_NUMBER_ATOM = ("<getal>", False)
_WORD = re.compile(r"^[0-9a-z]+\*?$")


class PatternError(ValueError):
    """A pattern staff wrote that cannot be used; the message says why, in plain words."""


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Where a pattern was found: the index of its first and last word."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Found:
    pattern: int  # index in the compiled list
    spans: tuple[Span, ...]  # one per part of the pattern

    @property
    def start(self) -> int:
        return min(s.start for s in self.spans)

    @property
    def end(self) -> int:
        return max(s.end for s in self.spans)


@dataclass(frozen=True, slots=True)
class Scan:
    """A message looked up once: per word its pattern words, and where each pattern word occurs."""

    hits: list[frozenset[int] | None]
    positions: dict[int, list[int]]
    present: frozenset[int]


Slot = frozenset[int]  # the atoms (words or prefixes) that may stand at one position
Sequence_ = tuple[Slot, ...]  # one way of writing a part, word by word
_Start = tuple[int, int, Sequence_, int, tuple[Slot, ...]]  # pattern, part, variant, anchor, other slots


@dataclass(frozen=True, slots=True)
class _Compiled:
    source: str
    parts: tuple[tuple[Sequence_, ...], ...]  # per part: its variants (from multi-word group members)


def normalise(pattern: str) -> str:
    """A pattern as staff wrote it, in the form messages are read in: 'Suïcide-gedachte*' → 'suicide gedachte*'."""
    if pattern.isascii():
        return " ".join(_NOT_PATTERN.sub(" ", pattern.replace("'", "").replace("`", "").lower()).split())
    text = unicodedata.normalize("NFKD", re.sub(r"[’‘'`´]", "", pattern))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(_NOT_PATTERN.sub(" ", text).split())


def _typo_limit(length: int) -> int:
    if length < TYPO_FROM:
        return 0
    return 2 if length >= TWO_TYPOS_FROM else 1


class PatternSet:
    """Compiled patterns with an index, so a message is looked at word by word, once."""

    def __init__(
        self,
        patterns: Sequence[str],
        groups: Mapping[str, Sequence[str]] | None = None,
        real_words: Container[str] = frozenset(),
        rewrite: Callable[[Sequence[str]], list[str]] | None = None,
        tolerant: bool = True,
    ) -> None:
        self.sources = tuple(patterns)
        # Patterns are read the way messages are: through the lexicon, so 'dont' in a pattern
        # finds "don't" (which the lexicon makes 'do not'), and staff may write either form.
        self._rewrite = rewrite
        # Typo and dropped-letter tolerance; off for exceptions, which must match what they say.
        self.tolerant = tolerant
        self.real_words = real_words
        self._groups = {name: tuple(members) for name, members in (groups or {}).items()}
        self._group_slots: dict[str, tuple[frozenset[int], tuple[Sequence_, ...]]] = {}
        self._atoms: dict[tuple[str, bool], int] = {}  # (text, is_prefix) → atom id
        self._compiled = tuple(self._compile(p) for p in self.sources)
        self._exact: dict[str, set[int]] = {}
        self._prefix: dict[str, set[int]] = {}
        self._clipped: dict[str, set[int]] = {}
        for (text, is_prefix), atom in self._atoms.items():
            if is_prefix:
                self._prefix.setdefault(text, set()).add(atom)
                continue
            self._exact.setdefault(text, set()).add(atom)
            if tolerant and len(text) >= CLIP_FROM:
                self._clipped.setdefault(text[:-1], set()).add(atom)
        self._typo_words = sorted(t for (t, p), _a in self._atoms.items() if not p and _typo_limit(len(t)))
        self._typo_prefixes = sorted(t for (t, p), _a in self._atoms.items() if p and _typo_limit(len(t)))
        self._prefix_lengths = sorted({len(t) for t in self._prefix})
        # Each phrase is looked up by its rarest word (its anchor), not its first: 'ik' and 'wil'
        # begin many phrases and turn up in almost every message; 'dood' does not.
        # atom → (pattern, part, variant, anchor, the variant's other slots)
        self._starts: dict[int, list[_Start]] = {}
        self._starts_by_range: dict[tuple[int, int, int], dict[int, list[_Start]]] = {}
        rarity = {atom: _commonness(text, is_prefix) for (text, is_prefix), atom in self._atoms.items()}
        for p_index, compiled in enumerate(self._compiled):
            for part_index, variants in enumerate(compiled.parts):
                for variant in variants:
                    anchor = min(range(len(variant)), key=lambda i: max(rarity[a] for a in variant[i]))
                    others = tuple(slot for i, slot in enumerate(variant) if i != anchor)
                    for atom in variant[anchor]:
                        self._starts.setdefault(atom, []).append((p_index, part_index, variant, anchor, others))
        self._cache: dict[str, frozenset[int]] = {}

    def __len__(self) -> int:
        return len(self._compiled)

    def validate(self, pattern: str) -> None:
        """Raise `PatternError` if the pattern cannot be used (for `check`; nothing is indexed)."""
        self._compile(pattern)

    # --- compiling ---------------------------------------------------------------------------

    def _atom(self, text: str, is_prefix: bool) -> int:
        key = (text, is_prefix)
        if key not in self._atoms:
            self._atoms[key] = len(self._atoms)
        return self._atoms[key]

    def _literal(self, option: str, pattern: str) -> int:
        """The atom of one word option: 'slaat', or a prefix 'snij*'."""
        if not _WORD.match(option):
            raise PatternError(
                f"'{option}' in '{pattern}' is geen woord: gebruik letters en cijfers, een * aan het eind, "
                "| tussen woorden die allebei mogen (zonder spaties), of <groep>"
            )
        if option.endswith("*"):
            stem = option[:-1]
            if len(stem) < MIN_PREFIX:
                raise PatternError(
                    f"'{option}' in '{pattern}' is te kort: schrijf minstens {MIN_PREFIX} letters voor de *"
                )
            return self._atom(stem, True)
        return self._atom(option, False)

    def _group(self, name: str) -> tuple[frozenset[int], tuple[Sequence_, ...]]:
        """A group's one-word members as atoms, and its longer members as phrases (once per group)."""
        found = self._group_slots.get(name)
        if found is None:
            single: set[int] = set()
            multi: list[Sequence_] = []
            where = f"<{name}>"
            for member in self._groups[name]:
                member_words = self._standard(normalise(member).split())
                if len(member_words) == 1:
                    single.add(self._literal(member_words[0], where))
                elif member_words:
                    multi.append(tuple(frozenset({self._literal(w, where)}) for w in member_words))
            found = self._group_slots[name] = (frozenset(single), tuple(multi))
        return found

    def _position(self, token: str, pattern: str) -> list[Sequence_]:
        """The ways one position of a pattern can be written: 'slaat|sloeg|<ouder>'."""
        single: set[int] = set()
        multi: list[Sequence_] = []
        for option in token.split("|"):
            group = _GROUP.match(option)
            if group is None:
                standard = self._rewrite([option]) if self._rewrite and _PLAIN.match(option) else [option]
                if len(standard) > 1:  # 'wasnt' is read as 'was not': a phrase of its own
                    multi.append(tuple(frozenset({self._literal(w, pattern)}) for w in standard))
                else:
                    single.add(self._literal(standard[0] if standard else option, pattern))
                continue
            name = group.group(1).strip()
            if name == NUMBER_GROUP:
                single.add(self._atom(*_NUMBER_ATOM))
                continue
            if name not in self._groups:
                raise PatternError(f"'{pattern}' gebruikt de woordgroep <{name}>, maar die bestaat niet")
            group_single, group_multi = self._group(name)
            single |= group_single
            multi.extend(group_multi)
        return ([(frozenset(single),)] if single else []) + multi

    def _standard(self, tokens: list[str]) -> list[str]:
        """Runs of plain words through the lexicon ('dont see' → 'do not see'); alternatives are read in `_position`."""
        if self._rewrite is None:
            return tokens
        out: list[str] = []
        run: list[str] = []
        for token in [*tokens, ""]:
            if _PLAIN.match(token):
                run.append(token)
                continue
            out.extend(self._rewrite(run) if run else ())
            run = []
            if token:
                out.append(token)
        return out

    def _part(self, text: str, pattern: str) -> tuple[Sequence_, ...]:
        tokens = self._standard(text.split())
        if not tokens:
            raise PatternError(f"'{pattern}' heeft een leeg deel: zet woorden aan beide kanten van de +")
        options = [self._position(token, pattern) for token in tokens]
        variants = []
        for combination in itertools.product(*options):
            variants.append(tuple(slot for piece in combination for slot in piece))
            if len(variants) > MAX_VARIANTS:
                raise PatternError(
                    f"'{pattern}' kan op te veel manieren geschreven worden (woordgroepen met woorden van "
                    "meer dan één woord vermenigvuldigen): splits het in eenvoudigere signalen"
                )
        return tuple(variants)

    def _compile(self, pattern: str) -> _Compiled:
        text = normalise(pattern)
        if not text:
            raise PatternError("een signaal is leeg")
        parts = tuple(self._part(part, text) for part in re.split(r"\s*\+\s*", text))
        return _Compiled(text, parts)

    # --- matching ----------------------------------------------------------------------------

    def atoms_of(self, word: str) -> frozenset[int]:
        """The pattern words a message word counts as (cached: people use the same words)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: set[int] = set()
        found.update(self._exact.get(word, ()))
        if word.isdigit() and _NUMBER_ATOM in self._atoms:
            found.add(self._atoms[_NUMBER_ATOM])
        found.update(self._clipped.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            found.update(self._prefix.get(word[:length], ()))
        if self.tolerant and len(word) >= TYPO_FROM - 1 and word not in self.real_words and not word.isdigit():
            found.update(self._typos(word))
        result = frozenset(found)
        if len(self._cache) < CACHE_SIZE:
            self._cache[word] = result
        return result

    def _typos(self, word: str) -> set[int]:
        found: set[int] = set()
        for candidate, distance, _i in process.extract(
            word, self._typo_words, scorer=Levenshtein.distance, score_cutoff=2, limit=None
        ):
            if distance <= _typo_limit(len(candidate)) and candidate[0] == word[0]:
                found.add(self._atoms[(candidate, False)])
        for stem in self._typo_prefixes:
            limit = _typo_limit(len(stem))
            if (
                len(word) >= len(stem)
                and stem[0] == word[0]
                and Levenshtein.distance(word[: len(stem)], stem, score_cutoff=limit) <= limit
            ):
                found.add(self._atoms[(stem, True)])
        return found

    def scan(self, words: Sequence[str]) -> Scan:
        """Which pattern words each message word counts as, and where each one occurs."""
        cache = self._cache
        hits: list[frozenset[int] | None] = []
        positions: dict[int, list[int]] = {}
        for index, word in enumerate(words):
            if word == BREAK:
                hits.append(None)
                continue
            atoms = cache.get(word)
            if atoms is None:
                atoms = self.atoms_of(word)
            hits.append(atoms)
            for atom in atoms:
                where = positions.get(atom)
                if where is None:
                    positions[atom] = [index]
                else:
                    where.append(index)
        return Scan(hits, positions, frozenset(positions))

    def _starts_in(self, only: range) -> dict[int, list[_Start]]:
        """The anchors of the patterns in `only`, worked out once per range."""
        key = (only.start, only.stop, only.step)
        starts = self._starts_by_range.get(key)
        if starts is None:
            starts = {}
            for atom, items in self._starts.items():
                kept = [item for item in items if item[0] in only]
                if kept:
                    starts[atom] = kept
            self._starts_by_range[key] = starts
        return starts

    def find(self, words: Sequence[str] | Scan, window: int = WINDOW, only: range | None = None) -> list[Found]:
        """Every pattern found: each place of a one-part pattern, the tightest of an 'a + b'.

        `only` limits the search to these pattern numbers (a scan can be searched in turns).
        """
        scan = words if isinstance(words, Scan) else self.scan(words)
        hits, present = scan.hits, scan.present
        compiled = self._compiled
        limit = 2 * MAX_PLACES  # a long story repeats itself: enough places of one part
        places: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (pattern, part) → (first, last) word
        starts = self._starts if only is None else self._starts_in(only)
        for atom, where in scan.positions.items():
            for p_index, part_index, variant, anchor, others in starts.get(atom, ()):
                if not others:
                    places.setdefault((p_index, part_index), []).extend((i, i) for i in where[:limit])
                    continue
                # Only phrases whose other words are also in the message are walked.
                if any(slot.isdisjoint(present) for slot in others):
                    continue
                found_places = places.setdefault((p_index, part_index), [])
                for i in where:
                    span = _walk(hits, variant, anchor, i)
                    if span is not None:
                        found_places.append(span)
                        if len(found_places) >= limit:
                            break
        found: list[Found] = []
        for p_index in sorted({p for p, _part in places}):
            n_parts = len(compiled[p_index].parts)
            parts = [sorted(set(places.get((p_index, i), ()))) for i in range(n_parts)]
            if not all(parts):
                continue
            if n_parts == 1:  # one part: every place it occurs (weak signals combine by place)
                spans = _separate([Span(a, b) for a, b in parts[0]])
                found.extend(Found(p_index, (span,)) for span in spans[:MAX_PLACES])
                continue
            best = closest([[Span(a, b) for a, b in part] for part in parts], window)
            if best is not None:
                found.append(Found(p_index, best))
        return found


def _separate(spans: list[Span]) -> list[Span]:
    """Spans that do not overlap an earlier one (the variants of one phrase find the same place)."""
    kept: list[Span] = []
    for span in spans:
        if not kept or span.start > kept[-1].end:
            kept.append(span)
    return kept


def _walk(hits: Sequence[frozenset[int] | None], variant: Sequence_, anchor: int, at: int) -> tuple[int, int] | None:
    """(first, last) word if the variant occurs with its anchor word at `at`, else None.

    From the anchor the walk goes back for the words before it and forward for the words after
    it, each at most `MAX_GAP` other words away and never across the end of a sentence.
    """
    first = at
    for slot in reversed(variant[:anchor]):
        for previous in range(first - 1, max(first - MAX_GAP - 2, -1), -1):
            here = hits[previous]
            if here is None:
                return None
            if not slot.isdisjoint(here):
                first = previous
                break
        else:
            return None
    last = at
    size = len(hits)
    for slot in variant[anchor + 1 :]:
        for nxt in range(last + 1, min(last + MAX_GAP + 2, size)):
            here = hits[nxt]
            if here is None:
                return None
            if not slot.isdisjoint(here):
                last = nxt
                break
        else:
            return None
    return first, last


def _commonness(text: str, is_prefix: bool) -> float:
    """How often a pattern word turns up in everyday text (Zipf): the rarest word of a phrase is its anchor."""
    if text == "<getal>":
        return 5.0
    zipf = common_words().get(text, 0.0)
    return zipf + (1.0 if is_prefix and len(text) < 5 else 0.0)


def closest(spans_per_part: Sequence[Sequence[Span]], window: int) -> tuple[Span, ...] | None:
    """One span per part, all different and within `window` words of each other; a tight choice.

    Each span of the rarest part is tried as the anchor, with the nearest spans of the other
    parts around it (found by bisection: a long story may hold a common word dozens of times).
    """
    if any(not spans for spans in spans_per_part):
        return None
    if len(spans_per_part) == 1:
        return (spans_per_part[0][0],)
    ordered = [sorted(spans) for spans in spans_per_part]
    starts = [[s.start for s in spans] for spans in ordered]
    order = sorted(range(len(ordered)), key=lambda i: len(ordered[i]))
    best: tuple[Span, ...] | None = None
    best_extent = window + 1
    for anchor in ordered[order[0]]:
        chosen: dict[int, Span] = {order[0]: anchor}
        for part in order[1:]:
            spans, firsts = ordered[part], starts[part]
            at = bisect.bisect_left(firsts, anchor.start)
            near = [spans[i] for i in range(max(at - 2, 0), min(at + 2, len(spans)))]
            options = [s for s in near if s not in chosen.values()]
            if not options:
                break
            chosen[part] = min(options, key=lambda s: abs(s.start - anchor.start))
        else:
            choice = tuple(chosen[i] for i in range(len(ordered)))
            extent = max(s.end for s in choice) - min(s.start for s in choice)
            if extent < best_extent:
                best, best_extent = choice, extent
                if extent == 0:
                    break
    return best if best is not None and best_extent <= window else None


def sentences(text: str) -> list[str]:
    """Split a message where a sentence ends, so that phrases stay inside one sentence."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def words_with_breaks(chunks: Iterable[Sequence[str]]) -> list[str]:
    """The words of several sentences in one list, with `BREAK` between sentences."""
    out: list[str] = []
    for chunk in chunks:
        if not chunk:
            continue
        if out:
            out.append(BREAK)
        out.extend(chunk)
    return out

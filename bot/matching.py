"""Match a question against every phrasing of every FAQ entry.

Two stages, both cheap:

1. rapidfuzz compares the normalised question with all normalised phrasings at once
   (`process.extract`) and keeps the closest ones as candidates;
2. each candidate entry gets a score that blends that fuzzy string score with how much
   of the question's meaning the entry covers, weighting rare words (IDF) more than
   common ones. Words the knowledge base has never seen count against a match, which
   keeps "passport at the gemeente" from scoring on the word gemeente.

The decision (answer, clarify or escalate) is made from the ranked list with the
thresholds in `MatchSettings`, which come from the config file.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .knowledge import Entry, Knowledge
from .text import Analysis, Normaliser, TypoSettings, fold

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Thresholds and weights of the matcher; see `config.example.yaml` for each one."""

    answer_threshold: float = 62.0
    clarify_threshold: float = 40.0
    ambiguity_margin: float = 4.0
    max_choices: int = 3
    candidate_limit: int = 60
    fuzzy_weight: float = 0.35
    coverage_weight: float = 0.45
    precision_weight: float = 0.20
    answer_text_credit: float = 0.5
    unknown_word_weight: float = 0.8
    min_evidence: float = 2.5
    typos: TypoSettings = field(default_factory=TypoSettings)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One entry with its score (0-100) and the parts the score was made of."""

    entry: Entry
    score: float
    fuzzy: float
    coverage: float
    precision: float
    evidence: float
    phrasing: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    analysis: Analysis
    candidates: tuple[Candidate, ...]  # best first

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class Matcher:
    """An index over the knowledge base's phrasings; build once per knowledge version."""

    def __init__(self, knowledge: Knowledge, settings: MatchSettings | None = None) -> None:
        self.settings = settings or MatchSettings()
        self.knowledge = knowledge
        vocabulary: set[str] = set()
        for entry in knowledge.entries:
            for text in (*entry.phrasings, entry.answer):
                vocabulary.update(fold(text).split())
        self.normaliser = Normaliser(
            knowledge.language.synonyms, knowledge.language.stopwords, vocabulary, self.settings.typos
        )
        self.entries = knowledge.entries
        self._phrasing_text: list[str] = []  # normalised phrasing, as rapidfuzz sees it
        self._phrasing_source: list[str] = []  # the phrasing as staff wrote it
        self._phrasing_entry: list[int] = []
        self._phrasing_terms: list[frozenset[str]] = []
        self._entry_terms: list[frozenset[str]] = []
        self._answer_terms: list[frozenset[str]] = []
        df: dict[str, int] = defaultdict(int)
        for index, entry in enumerate(self.entries):
            union: set[str] = set()
            for phrasing in entry.phrasings:
                terms = self.normaliser.analyse(phrasing, correct=False).terms
                if not terms:
                    continue
                self._phrasing_text.append(" ".join(terms))
                self._phrasing_source.append(phrasing)
                self._phrasing_entry.append(index)
                self._phrasing_terms.append(frozenset(terms))
                union.update(terms)
            answer_terms = frozenset(self.normaliser.analyse(entry.answer, correct=False).terms)
            self._entry_terms.append(frozenset(union))
            self._answer_terms.append(answer_terms)
            for term in union | answer_terms:
                df[term] += 1
        n = max(len(self.entries), 1)
        self._idf = {term: math.log(1 + n / count) for term, count in df.items()}
        self._max_idf = math.log(1 + n)
        logger.debug("Indexed %d phrasings of %d entries", len(self._phrasing_text), len(self.entries))

    @property
    def phrasing_count(self) -> int:
        return len(self._phrasing_text)

    def weight(self, term: str) -> float:
        """How much a term says: rare terms a lot, unknown ones a fixed share of the most."""
        known = self._idf.get(term)
        return known if known is not None else self.settings.unknown_word_weight * self._max_idf

    def match(self, text: str) -> MatchResult:
        analysis = self.normaliser.analyse(text)
        if not analysis.terms or not self._phrasing_text:
            return MatchResult(analysis, ())
        s = self.settings
        query = " ".join(analysis.terms)
        found = process.extract(
            query, self._phrasing_text, scorer=fuzz.token_set_ratio, processor=None, limit=s.candidate_limit
        )
        best_fuzzy: dict[int, tuple[float, int]] = {}
        for _text, score, p_index in found:
            e_index = self._phrasing_entry[p_index]
            if e_index not in best_fuzzy or score > best_fuzzy[e_index][0]:
                best_fuzzy[e_index] = (score, p_index)

        q_terms = list(dict.fromkeys(analysis.terms))
        weights = {t: self.weight(t) for t in q_terms}
        total = sum(weights.values())
        candidates = []
        for e_index, (fuzzy, p_index) in best_fuzzy.items():
            phrasing_terms = self._entry_terms[e_index]
            answer_terms = self._answer_terms[e_index]
            matched = 0.0
            evidence = 0.0
            for term, w in weights.items():
                if term in phrasing_terms:
                    matched += w
                    evidence += w
                elif term in answer_terms:
                    matched += s.answer_text_credit * w
            coverage = matched / total
            # Of the closest phrasing's own terms, how much did the question mention?
            own = self._phrasing_terms[p_index]
            own_total = sum(self.weight(t) for t in own)
            precision = sum(self.weight(t) for t in own if t in weights) / own_total if own_total else 0.0
            score = (
                s.fuzzy_weight * fuzzy
                + 100 * s.coverage_weight * coverage
                + 100 * s.precision_weight * precision
            ) / (s.fuzzy_weight + s.coverage_weight + s.precision_weight)
            candidates.append(
                Candidate(
                    entry=self.entries[e_index],
                    score=round(score, 1),
                    fuzzy=fuzzy,
                    coverage=coverage,
                    precision=precision,
                    evidence=evidence,
                    phrasing=self._phrasing_source[p_index],
                )
            )
        candidates.sort(key=lambda c: (-c.score, c.entry.id))
        return MatchResult(analysis, tuple(candidates))


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with a match: answer one entry, offer a few, or hand over."""

    kind: str  # "answer" | "clarify" | "none"
    candidates: tuple[Candidate, ...]
    out_of_scope: bool = False  # most of the question is about things the knowledge base never mentions


def decide(result: MatchResult, settings: MatchSettings) -> Verdict:
    """Apply the thresholds: confident → answer; ambiguity band → clarify; else none."""
    best = result.best
    if best is None or best.score < settings.clarify_threshold:
        analysis = result.analysis
        unknown_share = len(analysis.unknown) / max(len(analysis.terms), 1)
        return Verdict("none", (), out_of_scope=bool(analysis.terms) and unknown_share >= 0.5)
    runner_up = result.candidates[1] if len(result.candidates) > 1 else None
    clear_lead = runner_up is None or best.score - runner_up.score >= settings.ambiguity_margin
    if best.score >= settings.answer_threshold and clear_lead and best.evidence >= settings.min_evidence:
        return Verdict("answer", (best,))
    # The band: offer the best few that are still plausible.
    floor = max(settings.clarify_threshold, best.score - 2 * settings.answer_threshold / 10)
    choices = tuple(c for c in result.candidates if c.score >= floor)[: settings.max_choices]
    return Verdict("clarify", choices)

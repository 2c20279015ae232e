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

from .focus import question_part
from .knowledge import Entry, Knowledge
from .text import Analysis, Normaliser, TypoSettings, common_words, fold

# Zipf frequencies (log10 per billion words): 6 is 'weer', 4 'paspoort', below 2.5 rare.
COMMON_ZIPF = 6.5
RARE_ZIPF = 3.0
MIN_UNKNOWN_SHARE = 0.2


def unknown_share(word: str) -> float:
    """The share of full weight an unknown word gets: everyday words less, rare words all of it."""
    zipf = common_words().get(word, 0.0)
    if zipf <= RARE_ZIPF:
        return 1.0
    return max(MIN_UNKNOWN_SHARE, (COMMON_ZIPF - zipf) / (COMMON_ZIPF - RARE_ZIPF))


logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Thresholds and weights of the matcher; see `config.example.yaml` for each one."""

    answer_threshold: float = 47.0
    clarify_threshold: float = 42.0
    ambiguity_margin: float = 0.5
    max_choices: int = 3
    candidate_limit: int = 60
    prefilter_limit: int = 4000
    fuzzy_set_share: float = 0.5
    fuzzy_weight: float = 0.35
    coverage_weight: float = 0.45
    precision_weight: float = 0.10
    phrasing_coverage_share: float = 0.0
    answer_text_credit: float = 0.5
    unknown_word_weight: float = 1.2
    min_evidence: float = 1.5
    min_coverage: float = 0.2
    out_of_scope_min_coverage: float = 0.6
    focus_from_words: int = 30
    story_weight: float = 0.4
    audience_margin: float = 5.0
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
    focus: str | None = None  # the question sentence(s) of a long message (`focus.py`)
    focus_analysis: Analysis | None = None

    @property
    def asked(self) -> Analysis:
        """The analysis of what was asked: the question sentence(s), else the whole message."""
        return self.focus_analysis or self.analysis

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
            knowledge.language.synonyms,
            knowledge.language.stopwords,
            vocabulary,
            self.settings.typos,
            knowledge.lexicon,
        )
        self.entries = knowledge.entries
        self._phrasing_text: list[str] = []  # normalised phrasing, as rapidfuzz sees it
        self._phrasing_source: list[str] = []  # the phrasing as staff wrote it
        self._phrasing_entry: list[int] = []
        self._phrasing_terms: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = defaultdict(list)  # term → phrasings that use it
        self._entry_terms: list[frozenset[str]] = []
        self._entry_phrasing_ids: list[tuple[int, ...]] = []
        self._answer_terms: list[frozenset[str]] = []
        df: dict[str, int] = defaultdict(int)
        for index, entry in enumerate(self.entries):
            union: set[str] = set()
            first = len(self._phrasing_text)
            for phrasing in entry.phrasings:
                terms = self.normaliser.analyse(phrasing, correct=False).terms
                if not terms:
                    continue
                self._phrasing_text.append(" ".join(terms))
                self._phrasing_source.append(phrasing)
                self._phrasing_entry.append(index)
                self._phrasing_terms.append(frozenset(terms))
                for term in set(terms):
                    self._postings[term].append(len(self._phrasing_text) - 1)
                union.update(terms)
            self._entry_phrasing_ids.append(tuple(range(first, len(self._phrasing_text))))
            answer_terms = frozenset(self.normaliser.analyse(entry.answer, correct=False).terms)
            self._entry_terms.append(frozenset(union))
            self._answer_terms.append(answer_terms)
            for term in union | answer_terms:
                df[term] += 1
        n = max(len(self.entries), 1)
        self._idf = {term: math.log(1 + n / count) for term, count in df.items()}
        self._max_idf = math.log(1 + n)
        # Known in advance: how much each phrasing's own terms weigh (for precision).
        self._phrasing_total = [sum(self._idf[t] for t in terms) for terms in self._phrasing_terms]
        logger.debug("Indexed %d phrasings of %d entries", len(self._phrasing_text), len(self.entries))

    @property
    def phrasing_count(self) -> int:
        return len(self._phrasing_text)

    def weight(self, term: str, word: str = "") -> float:
        """How much a term says: rare terms a lot; unknown ones by how rare the typed word is in everyday language."""
        known = self._idf.get(term)
        if known is not None:
            return known
        return self.settings.unknown_word_weight * self._max_idf * unknown_share(word or term)

    def match(self, text: str) -> MatchResult:
        s = self.settings
        analysis = self.normaliser.analyse(text)
        focus = question_part(text, s.focus_from_words)
        asked = self.normaliser.analyse(focus) if focus else None
        if asked is not None and not asked.terms:
            focus, asked = None, None
        if not analysis.terms or not self._phrasing_text:
            return MatchResult(analysis, (), focus, asked)
        # A long message is compared on its question; the story's words still count, for less.
        query = " ".join((asked or analysis).terms)
        in_question = frozenset(asked.terms) if asked is not None else None
        # Only phrasings that share a term with the question can cover any of it, and an
        # entry that covers nothing is never offered: scanning just those loses nothing.
        # The rarest terms go first; a very common term may be left out past the limit.
        shared_terms = sorted(
            (t for t in set(analysis.terms) if t in self._postings), key=lambda t: len(self._postings[t])
        )
        pool: set[int] = set()
        for term in shared_terms:
            if pool and len(pool) + len(self._postings[term]) > s.prefilter_limit:
                break
            pool.update(self._postings[term])
        if not pool:
            return MatchResult(analysis, (), focus, asked)
        pool_ids = sorted(pool)
        found = process.extract(
            query,
            [self._phrasing_text[p] for p in pool_ids],
            scorer=fuzz.token_set_ratio,
            processor=None,
            limit=s.candidate_limit,
        )
        entry_indexes = dict.fromkeys(self._phrasing_entry[pool_ids[i]] for _t, _s, i in found)
        # The fuzzy score of every phrasing of the candidate entries, in C loops rather than a
        # Python call per phrasing; the token-set scores of stage 1 are reused, not computed again.
        set_score = {pool_ids[i]: score for _t, score, i in found}
        rescored = [p for e in entry_indexes for p in self._entry_phrasing_ids[e] if p in pool]
        unscored = [p for p in rescored if p not in set_score]
        for _t, score, i in process.extract(
            query, [self._phrasing_text[p] for p in unscored], scorer=fuzz.token_set_ratio, processor=None, limit=None
        ):
            set_score[unscored[i]] = score
        fuzzy_of = {p: s.fuzzy_set_share * set_score[p] for p in rescored}
        sort_share = 1 - s.fuzzy_set_share
        if sort_share:
            rescored_texts = [self._phrasing_text[p] for p in rescored]
            for _t, score, i in process.extract(
                query, rescored_texts, scorer=fuzz.token_sort_ratio, processor=None, limit=None
            ):
                fuzzy_of[rescored[i]] += sort_share * score

        weights: dict[str, float] = {}
        for word, term in zip(analysis.words, analysis.terms, strict=True):
            if term not in weights:
                story = in_question is not None and term not in in_question
                weights[term] = self.weight(term, word) * (s.story_weight if story else 1.0)
        total = sum(weights.values())
        candidates = []
        for e_index in entry_indexes:
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
            entry_coverage = matched / total
            # The closest phrasing: fuzzy similarity, how much of the question it covers on its
            # own, and how much of its own terms the question mentions.
            best_part, fuzzy, precision, coverage, p_best = -1.0, 0.0, 0.0, 0.0, 0
            share = s.phrasing_coverage_share
            for p_index in self._entry_phrasing_ids[e_index]:
                if p_index not in pool:
                    continue  # shares no term with the question: cannot be the closest phrasing
                fz = fuzzy_of[p_index]
                own = self._phrasing_terms[p_index]
                own_total = self._phrasing_total[p_index]
                shared = sum(weights[t] for t in own if t in weights)
                prec = shared / own_total if own_total else 0.0
                cov = share * shared / total + (1 - share) * entry_coverage
                part = s.fuzzy_weight * fz + 100 * (s.precision_weight * prec + s.coverage_weight * cov)
                if part > best_part:
                    best_part, fuzzy, precision, coverage, p_best = part, fz, prec, cov, p_index
            score = best_part / (s.fuzzy_weight + s.coverage_weight + s.precision_weight)
            candidates.append(
                Candidate(
                    entry=self.entries[e_index],
                    score=round(score, 1),
                    fuzzy=fuzzy,
                    coverage=coverage,
                    precision=precision,
                    evidence=evidence,
                    phrasing=self._phrasing_source[p_best],
                )
            )
        candidates.sort(key=lambda c: (-c.score, c.entry.id))
        return MatchResult(analysis, tuple(candidates), focus, asked)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with a match: answer one entry, offer a few, or hand over."""

    kind: str  # "answer" | "clarify" | "none"
    candidates: tuple[Candidate, ...]
    out_of_scope: bool = False  # most of the question is about things the knowledge base never mentions


def decide(result: MatchResult, settings: MatchSettings, audience: str | None = None) -> Verdict:
    """Apply the thresholds: confident → answer; ambiguity band → clarify; else none.

    An entry must cover `min_coverage` of the question to be answered or to open the
    clarify band. When entries tie at the top, the writer's `audience` (parents or
    professionals, from the message or a /start link) picks the one meant for them;
    otherwise only the tied entries are offered. The clarify list never holds an entry that
    shares no more than a common word with the question (`min_evidence`).
    """
    plausible = [c for c in result.candidates if c.coverage >= settings.min_coverage]
    if audience and plausible and plausible[0].entry.audience not in {audience, "both"}:
        # An entry meant for the other audience on top: one meant for this writer close behind wins.
        fitting = next(
            (
                c
                for c in plausible[1:]
                if plausible[0].score - c.score <= settings.audience_margin and c.entry.audience in {audience, "both"}
            ),
            None,
        )
        if fitting is not None:
            plausible = [fitting, *(c for c in plausible if c is not fitting)]
    best = plausible[0] if plausible else None
    if best is None or best.score < settings.clarify_threshold:
        analysis = result.asked
        unknown_share = len(analysis.unknown) / max(len(analysis.terms), 1)
        return Verdict("none", (), out_of_scope=bool(analysis.terms) and unknown_share >= 0.5)
    tied = [best, *(c for c in plausible[1:] if best.score - c.score < settings.ambiguity_margin)]
    confident = best.score >= settings.answer_threshold and best.evidence >= settings.min_evidence
    if confident and len(tied) == 1:
        return Verdict("answer", (best,))
    if confident:
        meant = [c for c in tied if audience and c.entry.audience == audience]
        if len(meant) == 1 and meant[0].evidence >= settings.min_evidence:
            return Verdict("answer", (meant[0],))
        return Verdict("clarify", tuple(tied[: settings.max_choices]))
    # The band: the best plausible entry first, then the closest others still in reach.
    floor = settings.clarify_threshold - settings.ambiguity_margin
    rest = [c for c in result.candidates if c is not best and c.score >= floor and c.evidence >= settings.min_evidence]
    return Verdict("clarify", (best, *rest)[: settings.max_choices])

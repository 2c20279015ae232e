"""Crisis recognition: is someone in danger, and which help fits?

Every message is screened here before anything else. `knowledge/crisis.yaml` (staff
edit it; its comments explain how) organises the signals by family: suicide and
self-harm, overdose, sexual abuse, violence at home, acute violence, extortion and
grooming, honour-related violence, missing at risk. Per family:

* strong signals are enough on their own ("ik wil dood", "hij zit aan me");
* subject words ("zelfmoord", "loverboy") count when someone writes about their own
  situation, not in a general or professional question;
* weak signals count only together, as the family's `together` rules say (a farewell
  plus an apology), or alone in a very short message when `alone_when_short` says so;
  `context` groups (people, places, substances) only ever count as part of a rule.

Everyday hyperbole (`not_crisis`) cancels a signal it overlaps. The verdict:

* CRISIS: someone is in a situation → emergency lines first, nothing else;
* SUBJECT: a question about a crisis subject (a frame such as "meldcode" or "hoe
  herken je", and nobody's own situation) → the normal reply plus one safety line;
* WEAK: a lone weak signal → the normal reply;
* NONE.

Any verdict but NONE marks the message as sensitive: its text is never stored.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .crisiswords import EMPTY_MODEL, Judgement, WordModel
from .lexicon import EMPTY, Lexicon, Rewrite, sentence_words
from .patterns import BREAK, Found, PatternError, PatternSet, Span, closest
from .problems import Problem, error, warning
from .schema import Field, check_mapping, nearest
from .yamlsource import YamlDoc

logger = logging.getLogger(__name__)

# --- the data staff write ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HelpLine:
    id: str
    name: str
    number: str
    when: str


@dataclass(frozen=True, slots=True)
class Family:
    id: str
    name: str
    lines: tuple[str, ...]  # help line ids, most important first
    young_lines: tuple[str, ...]  # added when the writer may be a child or young person
    message: str
    reminder: str
    safety_line: str
    strong: tuple[str, ...]
    subjects: tuple[str, ...]
    weak: Mapping[str, tuple[str, ...]]
    context: Mapping[str, tuple[str, ...]]
    together: tuple[tuple[str, ...], ...]
    alone_when_short: tuple[str, ...]
    weights: Mapping[str, float] = field(default_factory=dict)  # a group's own weight instead of the default


@dataclass(frozen=True, slots=True)
class Crisis:
    lines: Mapping[str, HelpLine]
    families: tuple[Family, ...]
    groups: Mapping[str, tuple[str, ...]]
    not_crisis: tuple[str, ...]
    subject_frames: tuple[str, ...]
    own_situation: tuple[str, ...]
    adult_writer: tuple[str, ...]
    note: str
    short_message_words: int = 7
    window: int = 30
    media_frames: tuple[str, ...] = ()
    right_now: tuple[str, ...] = ()
    subject_events: tuple[str, ...] = ()
    event_window: int = 6
    boosters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # fear, help, secrecy ...: any family
    resolved: tuple[str, ...] = ()  # it is over ('gaat nu goed', 'is voorbij'): not a crisis
    past: tuple[str, ...] = ()  # it happened before ('vorig jaar'): a crisis only if it is back now
    joking: tuple[str, ...] = ()  # 'haha', 'lol': weak signals are not taken as a crisis
    weak_weight: float = 0.5
    context_weight: float = 0.25
    booster_weight: float = 0.25
    threshold: float = 1.0
    learned_alone: float = 0.4  # the learned words alone make a crisis from this probability up
    learned_veto: float = 0.05  # below this, a longer message is no crisis on weak rules alone
    learned_weak: float = 0.2  # from this up, a message counts as sensitive (never stored)
    learned_veto_strong: float = 0.03  # the same for a strong signal, judged on its own sentence

    def family(self, family_id: str) -> Family | None:
        return next((f for f in self.families if f.id == family_id), None)


# --- what the recogniser found ----------------------------------------------------------


class Verdict(enum.StrEnum):
    NONE = "none"
    WEAK = "weak"
    SUBJECT = "subject"
    CRISIS = "crisis"


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal found: in which family, what kind, the pattern, and the words it matched."""

    family: str
    kind: str  # strong | together | subject | weak | short
    pattern: str
    words: str
    span: Span | None = field(default=None, compare=False)  # where in the words (strong signals)


@dataclass(frozen=True, slots=True)
class Assessment:
    verdict: Verdict
    families: tuple[Family, ...] = ()  # most urgent first: the crisis families, then the subject ones
    signals: tuple[Signal, ...] = ()
    own_situation: bool = False
    framed: bool = False
    adult: bool = False
    media: bool = False
    urgent: bool = False
    resolved: bool = False
    past: bool = False
    joking: bool = False
    rewrites: tuple[Rewrite, ...] = field(default=(), compare=False)
    probability: float = 0.0  # what the learned words say: how likely someone is in danger

    @property
    def sensitive(self) -> bool:
        """Whether the text must stay out of storage: any signal at all."""
        return self.verdict is not Verdict.NONE

    @property
    def family(self) -> Family | None:
        return self.families[0] if self.families else None


NOTHING = Assessment(Verdict.NONE)

# --- recognising -------------------------------------------------------------------------

_STRONG, _SUBJECT, _WEAK, _CONTEXT, _FRAME, _OWN, _ADULT = (
    "strong",
    "subject",
    "weak",
    "context",
    "frame",
    "own",
    "adult",
)
_MEDIA, _NOW, _EVENT, _BOOST, _OVER, _PAST, _JOKE = "media", "now", "event", "boost", "over", "past", "joke"


@dataclass(frozen=True, slots=True)
class _Tag:
    role: str
    family: int = -1
    group: str = ""


class Recogniser:
    """One compiled index over every pattern of `crisis.yaml`; build once per knowledge version."""

    def __init__(
        self,
        crisis: Crisis,
        lexicon: Lexicon = EMPTY,
        real_words: Container[str] = frozenset(),
        model: WordModel = EMPTY_MODEL,
    ) -> None:
        self.crisis = crisis
        self.lexicon = lexicon
        self.model = model
        signals: list[tuple[str, _Tag]] = []  # the families' own patterns
        modifiers: list[tuple[str, _Tag]] = []  # who writes, about what, and when

        def add(into: list[tuple[str, _Tag]], items: Sequence[str], tag: _Tag) -> None:
            into.extend((item, tag) for item in items)

        add(modifiers, crisis.subject_frames, _Tag(_FRAME))
        add(modifiers, crisis.own_situation, _Tag(_OWN))
        add(modifiers, crisis.adult_writer, _Tag(_ADULT))
        add(modifiers, crisis.media_frames, _Tag(_MEDIA))
        add(modifiers, crisis.right_now, _Tag(_NOW))
        add(modifiers, crisis.subject_events, _Tag(_EVENT))
        add(modifiers, crisis.resolved, _Tag(_OVER))
        add(modifiers, crisis.past, _Tag(_PAST))
        add(modifiers, crisis.joking, _Tag(_JOKE))
        for name, items in crisis.boosters.items():
            add(modifiers, items, _Tag(_BOOST, -1, name))
        for index, family in enumerate(crisis.families):
            add(signals, family.strong, _Tag(_STRONG, index))
            add(signals, family.subjects, _Tag(_SUBJECT, index))
            for name, items in family.weak.items():
                add(signals, items, _Tag(_WEAK, index, name))
            for name, items in family.context.items():
                add(signals, items, _Tag(_CONTEXT, index, name))

        def rewrite(words: Sequence[str]) -> list[str]:
            return lexicon.apply(words)[0]

        # One index over both; a message is looked up once. Most messages hold no family signal
        # at all: then the modifiers are never searched.
        everything = [*signals, *modifiers]
        self._patterns = PatternSet([p for p, _t in everything], crisis.groups, real_words, rewrite=rewrite)
        self._tags = tuple(t for _p, t in everything)
        self._signal_range = range(len(signals))
        self._modifier_range = range(len(signals), len(everything))
        # Everyday expressions are matched exactly: 'kills me' must not also cover 'kill me'.
        self._exceptions = PatternSet(crisis.not_crisis, crisis.groups, rewrite=rewrite, tolerant=False)

    def tokens(self, text: str) -> tuple[list[str], list[Rewrite]]:
        """The message as the recogniser reads it: standard Dutch words, sentences apart."""
        return self.lexicon.apply(sentence_words(text))

    def words(self, text: str) -> list[str]:
        """Only the words of `tokens` (for learning)."""
        return self.tokens(text)[0]

    def assess(self, text: str) -> Assessment:
        """The rules' verdict, then the learned words' second opinion (see `_second_opinion`)."""
        tokens, rewrites = self.tokens(text)
        if not tokens:
            return NOTHING
        judgement = self.model.judge(tokens) if len(self.model.classes) > 1 else None
        return self._second_opinion(self._rules(tokens, rewrites), judgement, tokens)

    def _second_opinion(self, assessment: Assessment, judgement: Judgement | None, tokens: list[str]) -> Assessment:
        """Combine the rules with the learned words.

        Learned words alone make a crisis from `learned_alone` up: the rules miss situations
        told without any signal word. Below `learned_veto`, a rule's crisis in a longer message
        becomes a subject (the normal reply with a safety line): the words around the signal
        say it is a question, a memory or a joke. A short message is left to the rules.
        """
        if judgement is None:
            return assessment
        crisis, p = self.crisis, judgement.probability
        verdict, families, signals = assessment.verdict, assessment.families, assessment.signals
        if verdict is Verdict.CRISIS:
            n_words = sum(1 for t in tokens if t != BREAK)
            if (
                p < crisis.learned_veto
                and n_words > crisis.short_message_words
                and self._outweighed(assessment, tokens)
            ):
                verdict = Verdict.SUBJECT
                signals = (*signals, Signal(assessment.families[0].id, "veto", f"kans {p:.0%}", ""))
        elif p >= crisis.learned_alone and judgement.family is not None:
            mine = self.crisis.family(judgement.family)
            if mine is not None:
                verdict = Verdict.CRISIS
                families = (mine, *(f for f in families if f is not mine))
                words = " / ".join(w for w, _weight in self.model.contributions(tokens, mine.id))
                signals = (*signals, Signal(mine.id, "learned", f"kans {p:.0%}", words))
        elif verdict is Verdict.NONE and p >= crisis.learned_weak:
            verdict = Verdict.WEAK
        if verdict is assessment.verdict and p == 0.0:
            return assessment
        return dataclasses.replace(
            assessment, verdict=verdict, families=families, signals=signals, probability=round(p, 3)
        )

    def _outweighed(self, assessment: Assessment, tokens: list[str]) -> bool:
        """Whether the learned words may overrule the rules' crisis in a long message.

        A strong signal is judged on its own sentence (never in a short one, too few words to
        judge): one alarming sentence in a long
        everyday question ("Ik heb een vraag over school. Mijn zoon zegt dat hij dood wil.")
        must not be outweighed by the question around it.
        """
        family = assessment.families[0].id
        for signal in assessment.signals:
            if signal.family == family and signal.kind == "strong" and signal.span is not None:
                sentence = _sentence(tokens, signal.span)
                if len(sentence) <= self.crisis.short_message_words:
                    return False  # too few words around it to judge
                if self.model.judge(sentence).probability >= self.crisis.learned_veto_strong:
                    return False
        return True

    def _rules(self, tokens: list[str], rewrites: list[Rewrite]) -> Assessment:
        scan = self._patterns.scan(tokens)
        found = self._patterns.find(scan, only=self._signal_range)
        if not found:
            return Assessment(Verdict.NONE, rewrites=tuple(rewrites))
        blocked = self._exceptions.find(tokens)
        live = [f for f in found if not _overlaps(f, blocked)]
        if not live:
            return Assessment(Verdict.NONE, rewrites=tuple(rewrites))
        tag = self._tags
        context = [f for f in self._patterns.find(scan, only=self._modifier_range) if not _overlaps(f, blocked)]
        roles = {tag[f.pattern].role for f in context}
        framed, own, adult = _FRAME in roles, _OWN in roles, _ADULT in roles
        media, urgent = _MEDIA in roles, _NOW in roles
        resolved, past, joking = _OVER in roles, _PAST in roles, _JOKE in roles
        events = [f for f in context if tag[f.pattern].role == _EVENT]
        boosts: dict[str, list[Found]] = {}
        for f in context:
            if tag[f.pattern].role == _BOOST:
                boosts.setdefault(tag[f.pattern].group, []).append(f)
        n_words = sum(1 for t in tokens if t != BREAK)
        # (strength, how specific, family index): strong signals first, then the rule with the most groups.
        crisis_families: list[tuple[int, int, int]] = []
        subject_families: list[tuple[int, int, int]] = []
        signals: list[Signal] = []
        any_weak = False
        by_family: dict[int, list[Found]] = {}
        for f in live:
            by_family.setdefault(tag[f.pattern].family, []).append(f)
        for index, family in enumerate(self.crisis.families):
            mine = by_family.get(index)
            if not mine:
                continue
            strong = [f for f in mine if tag[f.pattern].role == _STRONG]
            subjects = [f for f in mine if tag[f.pattern].role == _SUBJECT]
            groups: dict[str, list[Found]] = {}
            for f in mine:
                if tag[f.pattern].role in {_WEAK, _CONTEXT}:
                    groups.setdefault(tag[f.pattern].group, []).append(f)
            weak_groups = [g for g in groups if g in family.weak]
            any_weak = any_weak or bool(weak_groups)
            rules = [rule for rule in family.together if _combined(rule, groups, self.crisis.window)]
            evidence = self._evidence(family, groups, boosts)
            # One word alone ("goodbye", "vaarwel") is an everyday greeting, not yet a situation.
            short = 2 <= n_words <= self.crisis.short_message_words and any(
                g in groups for g in family.alone_when_short
            )
            for f in strong:
                signals.append(self._signal(family, "strong", f, tokens))
            for rule in rules:
                shown = " + ".join(rule)
                words_found = " / ".join(_words(tokens, groups[g][0]) for g in dict.fromkeys(rule))
                signals.append(Signal(family.id, "together", shown, words_found))
            if short:
                group = next(g for g in family.alone_when_short if g in groups)
                signals.append(Signal(family.id, "short", group, _words(tokens, groups[group][0])))
            for f in subjects:
                signals.append(self._signal(family, "subject", f, tokens))
            if evidence is not None and not (strong or rules):
                score, parts = evidence
                shown = " + ".join(name for name, _f in parts)
                words_found = " / ".join(_words(tokens, f) for _name, f in parts)
                signals.append(Signal(family.id, "evidence", f"{shown} (score {score:g})", words_found))
            if not (strong or rules or short or subjects or evidence):
                for name in weak_groups:
                    signals.append(Signal(family.id, "weak", name, _words(tokens, groups[name][0])))
            # In a joke ("haha") weak signals that add up never count, strong ones only with fear or a plea.
            pleading = bool({"angst", "hulp"} & set(boosts))
            hard = bool(
                (strong and (pleading or not joking)) or rules or short or (evidence is not None and not joking)
            )
            # A film, a lesson or a policy question is about a subject, unless it is happening now;
            # a question framed as general ("hoe herken je") counts only with someone's own situation;
            # something that is over ("het gaat nu goed") never; something from before ("vorig
            # jaar") only when it is back now.
            if media:
                situation = hard and urgent
            elif resolved:
                situation = False
            elif past:
                situation = hard and urgent and not framed
            else:
                situation = hard and (own or urgent or not framed)
            # A subject word alone ("loverboy") is a topic; it is a situation when something is
            # happening to someone: an event word close by ("heeft", "wordt") in a message about
            # the writer's own people, or a bare one- to three-word message.
            if subjects and not (framed or media or resolved or joking):
                near = any(_close(s, e, self.crisis.event_window) for s in subjects for e in events)
                situation = situation or (near and (own or urgent)) or n_words <= 3
            strength = 3 if strong else 2 if rules or short or evidence else 1
            specific = max((len(rule) for rule in rules), default=0) + len(strong)
            if evidence is not None:
                specific = max(specific, round(evidence[0] * 4))
            if situation:
                crisis_families.append((strength, specific, index))
            elif hard or subjects:
                subject_families.append((strength, specific, index))
        ordered = [self.crisis.families[i] for *_rank, i in sorted(crisis_families, key=_urgency)]
        ordered += [self.crisis.families[i] for *_rank, i in sorted(subject_families, key=_urgency)]
        if crisis_families:
            verdict = Verdict.CRISIS
        elif subject_families:
            verdict = Verdict.SUBJECT
        elif any_weak:
            verdict = Verdict.WEAK
        else:
            verdict = Verdict.NONE
        return Assessment(
            verdict,
            tuple(ordered),
            tuple(signals),
            own,
            framed,
            adult,
            media,
            urgent,
            resolved,
            past,
            joking,
            tuple(rewrites),
        )

    def _evidence(
        self, family: Family, groups: Mapping[str, list[Found]], boosts: Mapping[str, list[Found]]
    ) -> tuple[float, list[tuple[str, Found]]] | None:
        """Weak signals and their context adding up near one another: (score, what counted) or None.

        Around each weak signal, every other group of the family within `window` words counts
        once, by its weight (weak and context defaults from crisis.yaml), plus at most one
        booster (fear, a plea for help, secrecy ...). A score from `threshold` on is a crisis.
        """
        crisis = self.crisis
        best: tuple[float, list[tuple[str, Found]]] | None = None
        for anchor_name in (g for g in groups if g in family.weak):
            for anchor in groups[anchor_name]:
                parts: list[tuple[str, Found]] = [(anchor_name, anchor)]
                score = family.weights.get(anchor_name, crisis.weak_weight)
                for name, places in groups.items():
                    if name == anchor_name:
                        continue
                    near = next((f for f in places if _close(f, anchor, crisis.window)), None)
                    if near is not None:
                        default = crisis.weak_weight if name in family.weak else crisis.context_weight
                        score += family.weights.get(name, default)
                        parts.append((name, near))
                booster = next(
                    ((name, f) for name, places in boosts.items() for f in places if _close(f, anchor, crisis.window)),
                    None,
                )
                if booster is not None:
                    score += crisis.booster_weight
                    parts.append(booster)
                if best is None or score > best[0]:
                    best = (score, parts)
        if best is None or best[0] < crisis.threshold - 1e-9:
            return None
        return best

    def _signal(self, family: Family, kind: str, found: Found, tokens: Sequence[str]) -> Signal:
        return Signal(family.id, kind, self._patterns.sources[found.pattern], _words(tokens, found), _extent(found))

    def lines_for(self, assessment: Assessment) -> tuple[HelpLine, ...]:
        """The help lines for a crisis reply: per family in order, the young people's lines last."""
        ids: list[str] = []
        crisis_families = [f for f in assessment.families if assessment.verdict is Verdict.CRISIS]
        for family in crisis_families:
            ids.extend(family.lines)
        if not assessment.adult:
            for family in crisis_families:
                ids.extend(family.young_lines)
        return tuple(self.crisis.lines[i] for i in dict.fromkeys(ids) if i in self.crisis.lines)


def _words(tokens: Sequence[str], found: Found) -> str:
    return " … ".join(" ".join(t for t in tokens[s.start : s.end + 1] if t != BREAK) for s in found.spans)


def _urgency(rank: tuple[int, int, int]) -> tuple[int, int, int]:
    strength, specific, index = rank
    return (-strength, -specific, index)


def _close(a: Found, b: Found, window: int) -> bool:
    return abs(a.start - b.start) <= window or abs(a.end - b.end) <= window


def _overlaps(found: Found, blocked: Sequence[Found]) -> bool:
    return any(
        span.start <= other.end and other.start <= span.end
        for span in found.spans
        for b in blocked
        for other in b.spans
    )


def _combined(rule: Sequence[str], groups: Mapping[str, list[Found]], window: int) -> bool:
    """Whether every group of a rule was found, in different places, all within `window` words."""
    if any(name not in groups for name in rule):
        return False
    return closest([[_extent(f) for f in groups[name]] for name in rule], window) is not None


def _sentence(tokens: Sequence[str], span: Span) -> list[str]:
    """The words of the sentence(s) a span lies in."""
    start, end = span.start, span.end
    while start > 0 and tokens[start - 1] != BREAK:
        start -= 1
    while end + 1 < len(tokens) and tokens[end + 1] != BREAK:
        end += 1
    return [t for t in tokens[start : end + 1] if t != BREAK]


def _extent(found: Found) -> Span:
    return Span(found.start, found.end)


# --- loading crisis.yaml -------------------------------------------------------------------

CRISIS_FIELDS = (
    Field("lines", "mapping"),
    Field("note", "text"),
    Field("short_message_words", "integer", example="7"),
    Field("window", "integer", example="30"),
    Field("groups", "mapping", required=False),
    Field("not_crisis", "text_list", required=False),
    Field("subject_frames", "text_list"),
    Field("own_situation", "text_list"),
    Field("adult_writer", "text_list", required=False),
    Field("media_frames", "text_list", required=False),
    Field("right_now", "text_list", required=False),
    Field("subject_events", "text_list", required=False),
    Field("event_window", "integer", required=False, example="6"),
    Field("boosters", "mapping", required=False),
    Field("resolved", "text_list", required=False),
    Field("past", "text_list", required=False),
    Field("joking", "text_list", required=False),
    Field("weak_weight", "number", required=False, example="0.5"),
    Field("context_weight", "number", required=False, example="0.25"),
    Field("booster_weight", "number", required=False, example="0.25"),
    Field("threshold", "number", required=False, example="1"),
    Field("learned_alone", "number", required=False, example="0.4"),
    Field("learned_veto", "number", required=False, example="0.05"),
    Field("learned_weak", "number", required=False, example="0.2"),
    Field("learned_veto_strong", "number", required=False, example="0.03"),
    Field("families", "list"),
)
LINE_FIELDS = (
    Field("name", "text", example="Veilig Thuis"),
    Field("number", "text", example='"0800-2000"'),
    Field("when", "text", example="gratis, dag en nacht"),
)
FAMILY_FIELDS = (
    Field("id", "text", example="zelfdoding"),
    Field("name", "text", example="Zelfmoordgedachten en zelfbeschadiging"),
    Field("lines", "text_list", example='["113", "112"]'),
    Field("young_lines", "text_list", required=False, example="[kindertelefoon]"),
    Field("message", "text"),
    Field("reminder", "text"),
    Field("safety_line", "text"),
    Field("strong", "text_list"),
    Field("subjects", "text_list", required=False),
    Field("weak", "mapping", required=False),
    Field("context", "mapping", required=False),
    Field("together", "list", required=False, example="[[afscheid, sorry]]"),
    Field("alone_when_short", "text_list", required=False, example="[wanhoop]"),
    Field("weights", "mapping", required=False, example="{wanhoop: 0.75}"),
)


def load_crisis(
    doc: YamlDoc | None, problems: list[Problem], reflow: Callable[[str], str] | None = None
) -> Crisis | None:
    """Check `crisis.yaml` and build its data; every problem with its line, in plain Dutch.

    `reflow` tidies the texts people read (the knowledge loader passes its own).
    """
    if doc is None:
        return None
    tidy = reflow or (lambda text: " ".join(text.split()))
    top = check_mapping(doc, (), CRISIS_FIELDS, None, problems, what="het crisisbestand")
    before = len(problems)
    lines = _load_lines(doc, top, problems)
    groups = _load_groups(doc, top, problems)
    for key in PATTERN_LISTS:
        _check_patterns(doc, (key,), top.get(key) or [], groups, problems, key)
    boosters = _load_named(doc, ("boosters",), top.get("boosters") or {}, groups, problems, "boosters")
    for key in ("weak_weight", "context_weight", "booster_weight", "threshold"):
        value = top.get(key)
        if value is not None and not 0 <= value <= MAX_WEIGHT:
            problems.append(
                error(
                    doc.file,
                    doc.line((key,)),
                    f"'{key}' is {value:g}; dat moet tussen 0 en {MAX_WEIGHT:g} liggen.",
                    f"Zet een getal van 0 tot en met {MAX_WEIGHT:g} achter '{key}:', bijvoorbeeld 0.5.",
                    key,
                )
            )
    for key in ("learned_alone", "learned_veto", "learned_weak", "learned_veto_strong"):
        value = top.get(key)
        if value is not None and not 0 <= value <= 1:
            problems.append(
                error(
                    doc.file,
                    doc.line((key,)),
                    f"'{key}' is {value:g}; dat is een kans en moet tussen 0 en 1 liggen.",
                    f"Zet een getal van 0 tot en met 1 achter '{key}:', bijvoorbeeld 0.4.",
                    key,
                )
            )
    families: list[Family] = []
    seen_ids: dict[str, int] = {}
    for index, _raw in enumerate(top.get("families") or []):
        family = _load_family(doc, index, lines, groups, seen_ids, problems, tidy)
        if family is not None:
            families.append(family)
    for key in ("short_message_words", "window", "event_window"):
        value = top.get(key)
        if isinstance(value, int) and value < 1:
            problems.append(
                error(
                    doc.file,
                    doc.line((key,)),
                    f"'{key}' is {value}; dat moet 1 of meer zijn.",
                    f"Zet een heel getal van 1 of meer achter '{key}:'.",
                    key,
                )
            )
    if len(problems) > before or len(top) < sum(f.required for f in CRISIS_FIELDS) or not families:
        return None
    return Crisis(
        lines=lines,
        families=tuple(families),
        groups=groups,
        not_crisis=tuple(top.get("not_crisis") or ()),
        subject_frames=tuple(top["subject_frames"]),
        own_situation=tuple(top["own_situation"]),
        adult_writer=tuple(top.get("adult_writer") or ()),
        note=tidy(top["note"]),
        short_message_words=int(top["short_message_words"]),
        window=int(top["window"]),
        media_frames=tuple(top.get("media_frames") or ()),
        right_now=tuple(top.get("right_now") or ()),
        subject_events=tuple(top.get("subject_events") or ()),
        event_window=int(top.get("event_window") or 6),
        boosters=boosters,
        resolved=tuple(top.get("resolved") or ()),
        past=tuple(top.get("past") or ()),
        joking=tuple(top.get("joking") or ()),
        weak_weight=float(top.get("weak_weight", 0.5)),
        context_weight=float(top.get("context_weight", 0.25)),
        booster_weight=float(top.get("booster_weight", 0.25)),
        threshold=float(top.get("threshold", 1.0)),
        learned_alone=float(top.get("learned_alone", 0.4)),
        learned_veto=float(top.get("learned_veto", 0.05)),
        learned_weak=float(top.get("learned_weak", 0.2)),
        learned_veto_strong=float(top.get("learned_veto_strong", 0.03)),
    )


def check_learned(crisis: Crisis, doc: YamlDoc | None, model: WordModel) -> list[Problem]:
    """Warnings when the learned words do not know a family of crisis.yaml (or are missing)."""
    if doc is None:
        return []
    line = doc.line(("families",))
    if len(model.classes) <= 1:
        return [
            warning(
                doc.file,
                line,
                "De geleerde woorden (bot/crisis_words.json) ontbreken of zijn onleesbaar: de bot herkent "
                "een noodsituatie nu alleen aan de signalen in dit bestand.",
                "Vraag een ontwikkelaar om 'python -m bot crisis-learn' te draaien.",
                "families",
            )
        ]
    return [
        warning(
            doc.file,
            line,
            f"De geleerde woorden kennen de familie '{family.id}' niet: een bericht over deze familie "
            "zonder signaalwoord uit dit bestand wordt niet herkend.",
            "Heb je een familie toegevoegd of een id veranderd? Vraag een ontwikkelaar om "
            "'python -m bot crisis-learn' te draaien, met voorbeeldberichten voor deze familie.",
            "families",
        )
        for family in crisis.families
        if family.id not in model.classes
    ]


def _load_lines(doc: YamlDoc, top: dict[str, Any], problems: list[Problem]) -> dict[str, HelpLine]:
    lines: dict[str, HelpLine] = {}
    raw = top.get("lines") or {}
    if "lines" in top and not raw:
        problems.append(
            error(
                doc.file,
                doc.line(("lines",)),
                "er staan geen hulplijnen in het bestand.",
                "Zet 112, 113 Zelfmoordpreventie, Veilig Thuis en De Kindertelefoon terug uit de repository.",
                "lines",
            )
        )
    for line_id in raw:
        values = check_mapping(
            doc, ("lines", str(line_id)), LINE_FIELDS, f"lines → {line_id}", problems, "een hulplijn"
        )
        if len(values) == len(LINE_FIELDS):
            lines[str(line_id)] = HelpLine(
                str(line_id), values["name"].strip(), values["number"].strip(), " ".join(values["when"].split())
            )
    return lines


def _load_groups(doc: YamlDoc, top: dict[str, Any], problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, tuple[str, ...]] = {}
    for name, members in (top.get("groups") or {}).items():
        at = f"groups → {name}"
        if not isinstance(members, list) or not all(isinstance(m, (str, int)) for m in members):
            problems.append(
                error(
                    doc.file,
                    doc.line(("groups", str(name))),
                    f"de woordgroep '{name}' moet een lijst van woorden zijn.",
                    f"Schrijf hem als: {name}: [woord, ander woord, nog een woord]",
                    at,
                )
            )
            continue
        groups[str(name)] = tuple(str(m) for m in members)
    for name, members in groups.items():
        for position, member in enumerate(members):
            if "<" in member:
                problems.append(
                    error(
                        doc.file,
                        doc.line(("groups", name, position)),
                        f"'{member}' in de woordgroep '{name}' verwijst naar een andere woordgroep.",
                        "Schrijf in een woordgroep alleen gewone woorden (eventueel met * of |).",
                        f"groups → {name}",
                    )
                )
                continue
            try:
                _CHECKER.validate(member)
            except PatternError as exc:
                problems.append(
                    error(doc.file, doc.line(("groups", name, position)), _dutch(exc), _HOW_TO, f"groups → {name}")
                )
    return groups


def _load_family(
    doc: YamlDoc,
    index: int,
    lines: Mapping[str, HelpLine],
    groups: Mapping[str, tuple[str, ...]],
    seen_ids: dict[str, int],
    problems: list[Problem],
    tidy: Callable[[str], str],
) -> Family | None:
    path = ("families", index)
    raw = doc.data["families"][index] if isinstance(doc.data, dict) else None
    label = (
        f"families → {raw['id']}"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str)
        else f"families → {index + 1}"
    )
    before = len(problems)
    values = check_mapping(doc, path, FAMILY_FIELDS, label, problems, what="een familie")
    family_id = str(values.get("id", "")).strip()
    if family_id in seen_ids:
        problems.append(
            error(
                doc.file,
                doc.line((*path, "id")),
                f"de familie '{family_id}' staat twee keer in het bestand (ook op regel {seen_ids[family_id]}).",
                "Geef elke familie een eigen id, of voeg de twee samen.",
                label,
            )
        )
    seen_ids[family_id] = doc.line((*path, "id")) or 0
    for key in ("lines", "young_lines"):
        for position, line_id in enumerate(values.get(key) or []):
            if line_id not in lines:
                guess = nearest(str(line_id), list(lines))
                problems.append(
                    error(
                        doc.file,
                        doc.line((*path, key, position)),
                        f"'{line_id}' is geen hulplijn uit 'lines'.",
                        (f"Bedoel je '{guess}'? " if guess else "") + "Gebruik een van: " + ", ".join(lines) + ".",
                        label,
                    )
                )
    named: dict[str, dict[str, tuple[str, ...]]] = {}
    for key in ("weak", "context"):
        taken = {n for names in named.values() for n in names}
        named[key] = _load_named(doc, (*path, key), values.get(key) or {}, groups, problems, label, taken)
    for key in ("strong", "subjects"):
        _check_patterns(doc, (*path, key), values.get(key) or [], groups, problems, label)
    together = _load_together(doc, path, values.get("together") or [], named, problems, label)
    all_names = [*named["weak"], *named["context"]]
    for position, name in enumerate(values.get("alone_when_short") or []):
        if name not in all_names:
            problems.append(_unknown_group(doc, (*path, "alone_when_short", position), name, all_names, label))
    weights: dict[str, float] = {}
    for name, weight in (values.get("weights") or {}).items():
        if str(name) not in all_names:
            problems.append(_unknown_group(doc, (*path, "weights", str(name)), str(name), all_names, label))
        elif isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= MAX_WEIGHT:
            problems.append(
                error(
                    doc.file,
                    doc.line((*path, "weights", str(name))),
                    f"het gewicht van '{name}' moet een getal van 0 tot en met {MAX_WEIGHT:g} zijn.",
                    f"Schrijf het als: {name}: 0.5",
                    label,
                )
            )
        else:
            weights[str(name)] = float(weight)
    if len(problems) > before or not {f.name for f in FAMILY_FIELDS if f.required} <= set(values):
        return None
    return Family(
        id=family_id,
        name=values["name"].strip(),
        lines=tuple(values["lines"]),
        young_lines=tuple(values.get("young_lines") or ()),
        message=tidy(values["message"]),
        reminder=tidy(values["reminder"]),
        safety_line=tidy(values["safety_line"]),
        strong=tuple(values["strong"]),
        subjects=tuple(values.get("subjects") or ()),
        weak=named["weak"],
        context=named["context"],
        together=together,
        alone_when_short=tuple(values.get("alone_when_short") or ()),
        weights=weights,
    )


def _load_named(
    doc: YamlDoc,
    path: tuple[str | int, ...],
    raw: Mapping[Any, Any],
    groups: Mapping[str, tuple[str, ...]],
    problems: list[Problem],
    label: str,
    taken: Container[str] = frozenset(),
) -> dict[str, tuple[str, ...]]:
    """Named lists of signals ('weak', 'context', 'boosters'), each signal checked."""
    named: dict[str, tuple[str, ...]] = {}
    for name, items in raw.items():
        wrong = None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            wrong = (
                f"de groep '{name}' moet een lijst van signalen zijn.",
                "Zet elk signaal op een eigen regel die begint met '- '.",
            )
        elif str(name) in taken:
            wrong = (
                f"de groep '{name}' staat zowel onder 'weak' als onder 'context'.",
                "Geef de groep één plek: 'weak' voor signalen, 'context' voor personen, plekken en middelen.",
            )
        if wrong is not None:
            problems.append(error(doc.file, doc.line((*path, str(name))), *wrong, label))
            continue
        named[str(name)] = tuple(items)
        _check_patterns(doc, (*path, str(name)), items, groups, problems, label)
    return named


def _load_together(
    doc: YamlDoc,
    path: tuple[str | int, ...],
    rules: list[Any],
    named: Mapping[str, Mapping[str, tuple[str, ...]]],
    problems: list[Problem],
    label: str,
) -> tuple[tuple[str, ...], ...]:
    names = [*named["weak"], *named["context"]]
    out = []
    for position, rule in enumerate(rules):
        where = (*path, "together", position)
        if not isinstance(rule, list) or len(rule) < 2 or not all(isinstance(n, str) for n in rule):
            problems.append(
                error(
                    doc.file,
                    doc.line(where),
                    "een regel onder 'together' moet twee of meer groepsnamen noemen.",
                    "Schrijf hem als: - [afscheid, sorry]",
                    label,
                )
            )
            continue
        missing = [n for n in rule if n not in names]
        for name in missing:
            problems.append(_unknown_group(doc, where, name, names, label))
        if not missing:
            out.append(tuple(rule))
    return tuple(out)


def _unknown_group(doc: YamlDoc, where: tuple[str | int, ...], name: str, names: list[str], label: str) -> Problem:
    guess = nearest(str(name), names)
    return error(
        doc.file,
        doc.line(where),
        f"'{name}' is geen groep van deze familie.",
        (f"Bedoel je '{guess}'? " if guess else "")
        + ("De groepen zijn: " + ", ".join(names) + "." if names else "Maak eerst een groep onder 'weak'."),
        label,
    )


PATTERN_LISTS = (
    "not_crisis",
    "subject_frames",
    "own_situation",
    "adult_writer",
    "media_frames",
    "right_now",
    "subject_events",
    "resolved",
    "past",
    "joking",
)
MAX_WEIGHT = 10.0

_HOW_TO = (
    "Schrijf woorden met spaties ertussen; * achter een woord voor alle woorden die zo beginnen; "
    "a|b voor een van beide; <groep> voor een woordgroep; ' + ' tussen delen die in elke volgorde mogen."
)


def _check_patterns(
    doc: YamlDoc,
    path: tuple[str | int, ...],
    items: Sequence[Any],
    groups: Mapping[str, tuple[str, ...]],
    problems: list[Problem],
    label: str,
) -> None:
    checker = _checker(groups)
    for position, item in enumerate(items):
        if not isinstance(item, str):
            continue  # reported by check_mapping as not text
        try:
            checker.validate(item)
        except PatternError as exc:
            problems.append(error(doc.file, doc.line((*path, position)), _dutch(exc), _HOW_TO, label))


_CHECKER = PatternSet([])
_CHECKERS: dict[int, PatternSet] = {}


def _checker(groups: Mapping[str, tuple[str, ...]]) -> PatternSet:
    """One pattern compiler per set of word groups (checking compiles, it does not index)."""
    key = id(groups)
    if key not in _CHECKERS:
        _CHECKERS.clear()
        _CHECKERS[key] = PatternSet([], groups)
    return _CHECKERS[key]


def _dutch(exc: PatternError) -> str:
    return f"het signaal kan niet gelezen worden: {exc}."

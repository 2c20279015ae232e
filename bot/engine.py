"""The engine: one message in, one reply out. Shared by Telegram, the console chat and `ask`.

Order matters: crisis recognition (`crisis.py`) runs before anything else, so a message
about someone in danger gets the emergency lines whatever else it matches; then smalltalk
('hoi', 'ok', '👍', 'help'; `screening.py`); then matching against the FAQ. A question
about a crisis subject gets its normal reply with one safety line underneath, and any
message with a crisis signal is marked sensitive, so its text is never stored. With a
chat given, a crisis reply opens a window in which every reply in that chat ends with a
reminder of the emergency line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from . import crisiswords, hours
from .crisis import Assessment, Recogniser, Verdict
from .knowledge import Entry, Knowledge
from .matching import Candidate, Matcher, MatchResult, MatchSettings, decide
from .reminders import SafetyReminders
from .replies import Choice, Outcome, Reply, Section
from .screening import PhraseSpotter, SmalltalkScreen
from .text import common_words

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
# Smalltalk next to other words is smalltalk when those words match nothing and the message is
# this short; a longer message with thanks in it is a question that deserves the hand-over.
SMALLTALK_AROUND_WORDS = 12


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def clean_message(text: str) -> str:
    """Drop control and invisible characters, collapse whitespace."""
    if text.isprintable():  # no control, format, private or unassigned characters: only spaces to collapse
        return " ".join(text.split())
    kept = [
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    ]
    return " ".join("".join(kept).split())


class RealWords:
    """Words that exist: the knowledge base's own vocabulary and everyday Dutch and English."""

    def __init__(self, vocabulary: frozenset[str]) -> None:
        self._vocabulary = vocabulary

    def __contains__(self, word: object) -> bool:
        return word in self._vocabulary or word in common_words()


@dataclass(frozen=True, slots=True)
class EngineSettings:
    matching: MatchSettings
    max_question_chars: int = 1000
    reminder_minutes: float = 30.0


class Engine:
    """Answers messages from one version of the knowledge base."""

    def __init__(
        self,
        knowledge: Knowledge,
        settings: EngineSettings,
        clock: Clock = utc_now,
        reminders: SafetyReminders | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.settings = settings
        self.clock = clock
        # Shared between engine versions (pass the old one on reload): a reload must not cut a window short.
        self.reminders = reminders or SafetyReminders(settings.reminder_minutes, clock)
        self.matcher = Matcher(knowledge, settings.matching)
        real_words = RealWords(self.matcher.normaliser.known)
        self.recogniser = Recogniser(knowledge.crisis, knowledge.lexicon, real_words, crisiswords.default_model())
        self._out_of_scope = PhraseSpotter(knowledge.language.out_of_scope, prefixes=True, real_words=real_words)
        self._parent_words = PhraseSpotter(knowledge.language.parent_words, real_words=real_words)
        self._professional_words = PhraseSpotter(knowledge.language.professional_words, real_words=real_words)
        self._smalltalk = SmalltalkScreen(
            knowledge.smalltalk,
            knowledge.smalltalk_fillers,
            knowledge.language.stopwords,
            content=self.matcher.normaliser.known - knowledge.language.stopwords,
        )

    # --- the one entry point for free text ------------------------------------------

    def reply(self, text: str, chat: Hashable | None = None, audience: str | None = None) -> Reply:
        """The reply to a message a person typed; `chat` (any key) lets the conversation remember.

        `audience` is the chat's own choice (a /start ouders link); words in the message win.
        """
        message = clean_message(text or "")
        assessment = self.recogniser.assess(message) if message else None
        if assessment is not None and assessment.verdict is Verdict.CRISIS:
            reply = self.crisis_reply(assessment)
            family = assessment.family
            logger.info("Crisis recognised (%s); giving the emergency lines", family.id if family else "?")
            if chat is not None and family is not None:
                self.reminders.start(chat, family.reminder)
            return reply
        reply = self._reply(message, audience)
        if assessment is not None and assessment.sensitive:
            sections = reply.sections
            family = assessment.family
            if assessment.verdict is Verdict.SUBJECT and family is not None:
                sections = (*sections, Section(family.safety_line))
            reply = dataclasses.replace(reply, sections=sections, sensitive=True)
        return self.remind(chat, reply)

    def remind(self, chat: Hashable | None, reply: Reply) -> Reply:
        """The reply with the emergency-line reminder at the end while the chat's window is open."""
        if chat is None or reply.outcome is Outcome.CRISIS:
            return reply
        line = self.reminders.line_for(chat)
        if line is None:
            return reply
        return dataclasses.replace(reply, reminder=line)

    def assess(self, text: str) -> Assessment:
        """What crisis recognition makes of a message (the `ask` test pane shows this)."""
        return self.recogniser.assess(clean_message(text or ""))

    def audience_of(self, message: str, default: str | None = None) -> str | None:
        """Who writes, by the words of the message ("mijn zoon", "onze leerlingen"), else `default`."""
        standard = " ".join(self.knowledge.lexicon.standard_words(message))
        parent = self._parent_words.first(standard) is not None
        professional = self._professional_words.first(standard) is not None
        if parent != professional:
            return "parents" if parent else "professionals"
        return default

    def _off_topic(self, text: str) -> bool:
        """Whether the text names a subject staff listed as outside our scope (read as standard Dutch: 't weer')."""
        return self._out_of_scope.first(" ".join(self.knowledge.lexicon.standard_words(text))) is not None

    def _reply(self, message: str, audience: str | None = None) -> Reply:
        messages = self.knowledge.messages
        if not message:
            return Reply(Outcome.SMALLTALK, (Section(messages.format("empty")),))
        hit = self._smalltalk.screen(message)
        if hit.intent is not None:
            return Reply(Outcome.SMALLTALK, (Section(hit.intent.reply),))
        if not any(ch.isalnum() for ch in message):  # '??', '...', an emoji no intent lists
            return Reply(Outcome.SMALLTALK, (Section(messages.format("no_words")),))
        result = self.match(hit.rest)
        verdict = decide(result, self.settings.matching, self.audience_of(hit.rest, audience))
        best_score = result.best.score if result.best else 0.0
        # In a long message the question decides, not the story around it ("mentor op een mbo").
        asked = result.focus or hit.rest
        if verdict.kind != "escalate" and self._off_topic(asked):
            # A subject staff listed as outside our scope (a passport, taxes, the weather):
            # hand over unless the question clearly matches an entry as well.
            strong = verdict.kind == "answer" and (
                verdict.candidates[0].coverage >= self.settings.matching.out_of_scope_min_coverage
            )
            if not strong:
                return self.escalation("out_of_scope", best_score)
        if verdict.kind == "answer":
            best = verdict.candidates[0]
            return self.answer(best.entry, best.score)
        if (
            verdict.kind == "none"
            and hit.partly is not None
            and not self._off_topic(hit.rest)
            and hit.partly.name not in {"greeting", "help"}  # 'hoi, <a question we cannot answer>' is handed over
            and len(message.split()) <= SMALLTALK_AROUND_WORDS
        ):
            # Thanks or a greeting with a few words that ask nothing we can answer
            # ("hartelijk dank voor de uitleg, hier kan ik verder mee"): smalltalk after all.
            return Reply(Outcome.SMALLTALK, (Section(hit.partly.reply),))
        if verdict.kind == "clarify":
            return self.clarify(verdict.candidates)
        reason = "out_of_scope" if verdict.out_of_scope else "no_match"
        return self.escalation(reason, best_score)

    def match(self, text: str) -> MatchResult:
        """The ranked candidates for a question (the `ask` test pane shows these)."""
        return self.matcher.match(text[: self.settings.max_question_chars])

    # --- replies that buttons and commands ask for directly --------------------------

    def answer_for(self, faq_id: str) -> Reply:
        """The answer for a chosen entry; an honest reply if the entry no longer exists."""
        entry = self.knowledge.get(faq_id)
        if entry is None:
            return Reply(
                Outcome.ESCALATE,
                (Section(self.knowledge.messages.format("entry_gone")), self.contact_card()),
            )
        return self.answer(entry, 100.0)

    def answer(self, entry: Entry, score: float) -> Reply:
        related = tuple(
            Choice(r.id, r.question) for r in (self.knowledge.get(i) for i in entry.related) if r is not None
        )
        return Reply(
            Outcome.ANSWER,
            (Section(entry.answer, title=entry.question),),
            faq_id=entry.id,
            score=score,
            choices=related,
            choices_title=self.knowledge.messages.format("related") if related else None,
        )

    def clarify(self, candidates: tuple[Candidate, ...]) -> Reply:
        messages = self.knowledge.messages
        return Reply(
            Outcome.CLARIFY,
            (Section(messages.format("clarify")),),
            score=candidates[0].score,
            choices=tuple(Choice(c.entry.id, c.entry.question) for c in candidates),
            none_label=messages.format("none_of_these"),
        )

    def escalation(self, reason: str = "declined", score: float = 0.0) -> Reply:
        """Hand over to the advice line; `reason` is no_match, out_of_scope or declined."""
        return Reply(
            Outcome.ESCALATE,
            (Section(self.knowledge.messages.format(reason)), self.contact_card()),
            score=score,
        )

    def crisis_reply(self, assessment: Assessment) -> Reply:
        """The emergency lines for this situation first, then a short calm text; no advice-line card."""
        crisis = self.knowledge.crisis
        family = assessment.family or crisis.families[0]
        help_lines = self.recogniser.lines_for(assessment) or tuple(crisis.lines[i] for i in family.lines)
        lines = "\n".join(f"• {line.name}: {line.number} ({line.when})" for line in help_lines)
        return Reply(
            Outcome.CRISIS,
            (Section(lines), Section(family.message), Section(crisis.note)),
            sensitive=True,
            family=family.id,
        )

    def contact_card(self) -> Section:
        """The advice line's details and whether it is open right now."""
        messages = self.knowledge.messages
        office = self.knowledge.contacts.office_hours
        now = self.clock()
        status = office.status(now)
        if status.is_open and status.closes_at is not None:
            line = messages.format("line_open", sluit=hours.clock(status.closes_at.time()))
        elif status.next_open is not None:
            if status.closed_because == "extra sluitingsdag":
                reason = "vandaag is een extra sluitingsdag"
            elif status.closed_because:
                reason = f"vanwege {status.closed_because}"
            else:
                reason = "buiten kantooruren"
            line = messages.format("line_closed", opent=hours.moment_nl(status.next_open, now), reden=reason)
        else:
            line = messages.format("line_closed_long")
        return Section(f"{messages.format('advice_line')}\n{line}", title=messages.format("advice_line_title"))

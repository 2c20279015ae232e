"""Replies: what the bot says, independent of where it is said.

A `Reply` has exactly one outcome and its content as sections of plain text plus
choices (buttons in Telegram, numbers in the console). Renderers turn it into plain
text (console, `ask --json`) or Telegram HTML, escaping everything.
"""

from __future__ import annotations

import enum
import html
from dataclasses import dataclass


class Outcome(enum.StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ESCALATE = "escalate"
    CRISIS = "crisis"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True, slots=True)
class Section:
    text: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A question the user can pick: an FAQ entry id and its main question."""

    faq_id: str
    question: str


@dataclass(frozen=True, slots=True)
class Reply:
    outcome: Outcome
    sections: tuple[Section, ...]
    faq_id: str | None = None
    score: float = 0.0
    choices: tuple[Choice, ...] = ()  # clarify: the options; answer: related questions
    choices_title: str | None = None
    none_label: str | None = None  # clarify: the "none of these" option that leads to the advice line
    sensitive: bool = False  # a crisis signal was found: the question text is never stored
    family: str | None = None  # crisis: the family of the situation (crisis.yaml), for the reminder
    reminder: str | None = None  # shortly after a crisis reply in this chat: the emergency line, shown last

    @property
    def text(self) -> str:
        return render_plain(self)


def render_plain(reply: Reply, numbered: bool = True) -> str:
    """The reply as a person reads it in plain text; choices as a numbered list."""
    blocks = [_plain_section(s) for s in reply.sections]
    if reply.choices:
        lines = [reply.choices_title] if reply.choices_title else []
        for number, choice in enumerate(reply.choices, start=1):
            lines.append(f"{number}. {choice.question}" if numbered else f"- {choice.question}")
        if reply.none_label:
            lines.append(f"{len(reply.choices) + 1}. {reply.none_label}" if numbered else f"- {reply.none_label}")
        blocks.append("\n".join(lines))
    if reply.reminder:
        blocks.append(reply.reminder)
    return "\n\n".join(b for b in blocks if b)


def render_html(reply: Reply) -> str:
    """The body as Telegram HTML (choices become buttons, so they are left out)."""
    blocks = []
    for section in reply.sections:
        body = html.escape(section.text, quote=False)
        blocks.append(f"<b>{html.escape(section.title, quote=False)}</b>\n{body}" if section.title else body)
    if reply.choices and reply.choices_title:
        blocks.append(html.escape(reply.choices_title, quote=False))
    if reply.reminder:
        blocks.append(f"<i>{html.escape(reply.reminder, quote=False)}</i>")
    return "\n\n".join(blocks)


def _plain_section(section: Section) -> str:
    return f"{section.title}\n{section.text}" if section.title else section.text

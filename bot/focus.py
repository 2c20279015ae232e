"""Long messages: find the question in the story.

Parents and professionals often tell a story before they ask ("Mijn zoon is 14 en hangt
sinds de zomer elke avond op straat ... Wat kan ik doen?"). Matched as a whole, the story's
words drown the question. `question_part` picks the sentence(s) that ask something: those
ending in a question mark, those opening with a question word ("hoe", "kan", "what") and
those that say they ask ("ik vraag me af", "mijn vraag is"); without any, the last sentence.
The matcher then weighs the words of the question fully and those of the story less, so
what the story says (a 14-year-old, the street, evenings) still counts.
"""

from __future__ import annotations

import re

from .text import fold

# A sentence ends at . ! ? or a line break (followed by a space or the end).
_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+|\n+")
_QUESTION_WORDS = """
    wat wie waar waarom wanneer hoe hoeveel welke welk waarmee waarvoor waarover
    kan kun kunt kunnen kon konden mag mogen mocht moet moeten moest is zijn ben bent
    heeft hebben heb hebt weet weten doet doen gaat gaan werkt werken bestaat bestaan
    zou zouden wil wilt willen klopt zit zitten krijg krijgt hoort horen
    what who where why when how which can could is are do does did should would will may
"""
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
# Phrases that announce a question without a question word in front.
ASKING = (
    "ik vraag me af",
    "ik vroeg me af",
    "mijn vraag is",
    "mijn vraag",
    "ik wil graag weten",
    "ik zou graag willen weten",
    "ik wil weten",
    "graag wil ik weten",
    "ik ben benieuwd",
    "ik zoek",
    "wie kan me",
    "wie kan mij",
    "i wonder",
    "i would like to know",
    "my question",
)


def sentences(text: str) -> list[str]:
    """The sentences of a text, as written."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def is_question(sentence: str) -> bool:
    if sentence.rstrip().endswith("?"):
        return True
    folded = fold(sentence)
    first = folded.split(" ", 1)[0] if folded else ""
    return first in QUESTION_WORDS or any(phrase in folded for phrase in ASKING)


def question_part(text: str, from_words: int) -> str | None:
    """The question sentence(s) of a message longer than `from_words` words, or None.

    None when the message is short or one sentence: then all of it is the question.
    """
    if len(text.split()) <= from_words:
        return None
    parts = sentences(text)
    if len(parts) < 2:
        return None
    asked = [s for s in parts if is_question(s)]
    chosen = asked or parts[-1:]
    if len(chosen) == len(parts):
        return None
    return " ".join(chosen)

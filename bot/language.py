"""Dutch or English? Decided per message from its words.

Each word that is clearly more common in one language than in the other (by wordfreq's
everyday word lists: 'the', 'my', 'son' against 'de', 'mijn', 'zoon') is a vote; words both
languages share ('is', 'school', 'in') and names do not vote. A short or mixed message has
no clear majority: then the caller falls back to the chat's last language, and after that
to the language Telegram reports for the user.
"""

from __future__ import annotations

from .text import fold, zipf_table

DUTCH, ENGLISH = "nl", "en"
LANGUAGES = (DUTCH, ENGLISH)
CLEAR = 1.0  # a word votes when it is this much (Zipf) more common in one language
MIN_VOTES = 2  # fewer voting words: no decision
MAJORITY = 0.7  # the share of the votes one language needs


def detect(text: str) -> str | None:
    """'nl' or 'en' when the words clearly say so, else None."""
    dutch, english = zipf_table(DUTCH), zipf_table(ENGLISH)
    votes = {DUTCH: 0, ENGLISH: 0}
    for word in fold(text).split():
        if word.isdigit():
            continue
        difference = english.get(word, 0.0) - dutch.get(word, 0.0)
        if difference >= CLEAR:
            votes[ENGLISH] += 1
        elif difference <= -CLEAR:
            votes[DUTCH] += 1
    total = votes[DUTCH] + votes[ENGLISH]
    if total < MIN_VOTES:
        return None
    for language in LANGUAGES:
        if votes[language] >= MAJORITY * total:
            return language
    return None


def choose(text: str, last: str | None = None, telegram_code: str | None = None) -> str:
    """The language to answer in: the message's own, else the chat's last, else Telegram's, else Dutch."""
    found = detect(text)
    if found is not None:
        return found
    if last in LANGUAGES:
        return last
    if telegram_code and telegram_code.lower().startswith("en"):
        return ENGLISH
    return DUTCH

"""Rendering replies: plain text for the console and `ask`, escaped HTML for Telegram."""

from __future__ import annotations

from bot.replies import Choice, Outcome, Reply, Section, render_html, render_plain


def test_html_escapes_everything() -> None:
    reply = Reply(Outcome.ANSWER, (Section("a < b & <script>", title="<i>Vraag</i>"),))
    assert render_html(reply) == "<b>&lt;i&gt;Vraag&lt;/i&gt;</b>\na &lt; b &amp; &lt;script&gt;"


def test_plain_text_numbers_choices_and_none_of_these() -> None:
    reply = Reply(
        Outcome.CLARIFY,
        (Section("Bedoel je een van deze?"),),
        choices=(Choice("a", "Vraag A?"), Choice("b", "Vraag B?")),
        none_label="Geen van deze",
    )
    assert render_plain(reply) == "Bedoel je een van deze?\n\n1. Vraag A?\n2. Vraag B?\n3. Geen van deze"
    assert reply.text == render_plain(reply)


def test_html_leaves_choices_to_buttons() -> None:
    reply = Reply(Outcome.ANSWER, (Section("Antwoord"),), choices=(Choice("a", "Vraag A?"),), choices_title="Zie ook:")
    assert render_html(reply) == "Antwoord\n\nZie ook:"

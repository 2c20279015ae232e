"""Phrase spotting for crisis and smalltalk: order, gaps, prefixes and typo rules; the smalltalk screen."""

from __future__ import annotations

import pytest

from bot.knowledge import Knowledge, SmalltalkIntent
from bot.screening import PhraseSpotter, SmalltalkScreen


@pytest.mark.parametrize(
    ("phrases", "text", "found"),
    [
        (["wil dood"], "ik wil echt gewoon dood", ("wil", "dood")),  # two words between: allowed
        (["wil dood"], "ik wil echt heel erg graag dood", None),  # too far apart
        (["wil dood"], "dood wil ik niet", None),  # wrong order
        (["mishandel"], "hij is mishandeld", ("mishandel",)),  # prefix
        (["zelfmoord"], "gedachten aan zelfmord", ("zelfmoord",)),  # one typo in a long word
        (["slaat me"], "hij staat me in de weg", None),  # short words must be exact
        (["verkracht"], "veerkracht", None),  # a real word is never a typo
        (["niet meer leven"], "ik wil niet meer leve", ("niet", "meer", "leven")),  # dropped last letter
    ],
)
def test_phrase_spotting(phrases: list[str], text: str, found: tuple[str, ...] | None) -> None:
    spotter = PhraseSpotter(phrases, prefixes=True, real_words={"veerkracht", "staat"})
    assert spotter.first(text) == found


def test_without_prefixes_longer_words_do_not_match() -> None:
    assert PhraseSpotter(["super"]).first("de supermarkt") is None
    assert PhraseSpotter(["super"], prefixes=True).first("de supermarkt") == ("super",)


# --- smalltalk -----------------------------------------------------------------------


def intent(name: str, *phrases: str) -> SmalltalkIntent:
    return SmalltalkIntent(name, phrases, f"reply {name}")


SMALL = (
    intent("thanks", "bedankt", "dank je wel", "🙏"),
    intent("help", "help", "hulp"),
    intent("greeting", "hoi"),
    intent("acknowledgement", "ok", "👍"),
    intent("identity", "ben je een mens"),
)


@pytest.fixture(scope="module")
def small() -> SmalltalkScreen:
    return SmalltalkScreen(SMALL, fillers=["voor", "je", "bot"], stopwords=["de", "een", "wie", "is", "wel"])


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("bedankt voor je hulp", "thanks"),  # two intents: the one listed first wins
        ("hulp, bedankt", "thanks"),
        ("ok hoi", "greeting"),
        ("hoi, help!", "help"),
        ("hoiii", "greeting"),  # stretched words count as the plain word
        ("doeii ok", None),  # 'doei' is not a phrase here: not smalltalk
        ("okkk", "acknowledgement"),
        ("dank je wel bot", "thanks"),
        ("dank je heel wel", None),  # 'heel' is no filler here, so the phrase is broken
        ("👍", "acknowledgement"),
        ("👍🏽👍🏽", "acknowledgement"),  # skin tones do not matter
        ("🙏👍", "thanks"),
        ("😊", None),  # an emoji no intent lists
        ("??", None),
        ("voor de bot", None),  # only fillers: no smalltalk phrase
        ("hoi, wie is de bot", None),  # question words are never filler
        ("hoi wel", "greeting"),
        ("ben je wel een mens", "identity"),  # fillers may stand between the words of a phrase
        ("ben je echt een mens", None),  # other words may not
    ],
)
def test_smalltalk_screen_rules(small: SmalltalkScreen, text: str, name: str | None) -> None:
    hit = small.screen(text)
    assert (hit.intent.name if hit.intent else None) == name
    assert (hit.rest == "") is (name is not None)


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("hoi, wat doet een jongerenwerker?", "wat doet een jongerenwerker"),
        ("wat doet een jongerenwerker? bedankt!", "wat doet een jongerenwerker"),
        ("ok bedankt, en de politie?", "en de politie"),
        ("waar vind ik hulp", "waar vind ik hulp"),  # a content word at the end stays
        ("help mijn zoon spijbelt", "mijn zoon spijbelt"),
        ("is de bedankt-brief klaar", "is de bedankt-brief klaar"),  # smalltalk in the middle stays
        ("wat doet een jongerenwerker", "wat doet een jongerenwerker"),  # nothing to take off: the text as is
    ],
)
def test_smalltalk_around_a_question_is_taken_off(text: str, rest: str) -> None:
    screen = SmalltalkScreen(SMALL, fillers=["voor", "je"], stopwords=["de", "een", "en"], content={"hulp"})
    hit = screen.screen(text)
    assert hit.intent is None
    assert hit.rest == rest


# The real smalltalk.yaml: many ways to say the same, and real questions that are not smalltalk.
@pytest.fixture(scope="module")
def real(knowledge: Knowledge) -> SmalltalkScreen:
    return SmalltalkScreen(knowledge.smalltalk, knowledge.smalltalk_fillers, knowledge.language.stopwords)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # acknowledgement
        *(
            (t, "acknowledgement")
            for t in [
                "ok", "oke", "Oké!", "okay", "okee", "oki", "okidoki", "okiedokie", "top", "Top!", "toppie",
                "prima", "helder", "duidelijk", "heel duidelijk", "check", "begrepen", "ah oke", "oh ja", "is goed",
                "goed zo", "mooi", "super", "perfect", "nice", "got it", "alright", "kk", "okeeee", "haha", "👍",
                "👌", "👍🏻", "✅", "ok 👍", "nou oke dan",
            ]
        ),
        # thanks
        *(
            (t, "thanks")
            for t in [
                "bedankt", "Bedankt!", "dank je", "dank je wel", "dankjewel", "dankjewel bot", "dank je bot",
                "dank u wel", "dankuwel", "hartelijk dank", "hartelijk bedankt", "heel erg bedankt", "thanks",
                "thank you", "thx", "thnx", "tnx", "ty", "merci", "mercikes", "top, bedankt!!", "ok bedankt",
                "super bedankt voor de uitleg", "bedankt voor je hulp", "dankjewel voor al je hulp",
                "dank voor de snelle reactie", "dat helpt, dank je", "wat fijn, dankjewel", "grantangi",
                "shukran", "🙏", "❤️", "🙏🏽", "bedankttt", "thanks a lot", "dank jullie wel",
            ]
        ),
        # greeting
        *(
            (t, "greeting")
            for t in [
                "hoi", "Hoi!", "hallo", "Hallo JEP-bot!", "hey", "hee", "hi", "hello", "goedemorgen",
                "goedemiddag", "goedenavond", "goeiemorgen", "goedendag", "moi", "moin", "hedde", "hallo daar",
                "hoi allemaal", "hey daar", "yo", "salaam", "good morning", "hi there", "hoiii", "hallootjes",
                "👋", "hoi, ik heb een vraag", "hallo, mag ik iets vragen?", "goedemorgen beste mensen",
            ]
        ),
        # how are you
        *(
            (t, "how_are_you")
            for t in [
                "hoe gaat het", "hoe gaat het met je?", "Hoe is het?", "hoe gaat ie", "hoe gaat t", "hoessie",
                "alles goed?", "alles goed met je?", "alles oke?", "alles kits?", "fawaka", "fakka",
                "hoegaondiet", "hoi, hoe gaat het?", "goedemorgen, alles goed?", "how are you", "whats up",
                "hoe is het ermee",
            ]
        ),
        # goodbye
        *(
            (t, "goodbye")
            for t in [
                "doei", "doeii", "dag", "daag", "tot ziens", "tot later", "later", "fijne dag", "fijne avond nog",
                "welterusten", "groetjes", "met vriendelijke groet", "mvg", "houdoe", "de mazzel", "bye",
                "see you", "ciao", "nee, dat was het", "dat was alles, bedankt", "fijne dag nog en bedankt",
                "ok doei",
            ]
        ),
        # identity
        *(
            (t, "identity")
            for t in [
                "ben jij een mens?", "ben je een robot", "ben jij een echt persoon?", "ben je wel een echt mens",
                "praat ik met een mens?", "praat ik met een computer", "is dit een bot?", "ben je een bot",
                "wie ben jij?", "zit er een mens achter?", "is er iemand?", "hoe heet je", "are you a bot",
                "are you human?", "hoi, ben je een bot?", "ben jij chatgpt",
            ]
        ),
        # capabilities
        *(
            (t, "capabilities")
            for t in [
                "wat kun je", "wat kan je allemaal?", "wat kun jij doen", "wat weet jij", "wat weet je allemaal",
                "waar kan ik je alles over vragen?", "waarover kan ik je vragen", "waar gaat dit over?",
                "welke vragen kan ik stellen", "waar kun je mee helpen?", "wat is dit?", "what can you do",
                "hoi, wat kun je?", "bedankt, wat kun je nog meer?",
            ]
        ),
        # help
        *(
            (t, "help")
            for t in [
                "help", "Help!", "/help", "hulp", "help me", "ik snap het niet", "ik snap er niks van",
                "ik begrijp het niet", "hoe werkt dit?", "hoe werkt deze bot", "hoe gebruik ik dit",
                "kun je me helpen?", "wat moet ik doen", "hoi, hoe werkt dit?", "ok, ik snap het niet",
                "huh", "how does this work", "ik heb hulp nodig",
            ]
        ),
        # yes or no on their own
        *(
            (t, "yes_no")
            for t in [
                "ja", "nee", "Ja!", "jawel", "ja hoor", "nee hoor", "nope", "klopt", "dat klopt", "zeker",
                "inderdaad", "yes", "no", "jaaa", "neeee", "geen idee", "weet ik niet", "hmm",
            ]
        ),
    ],
)  # fmt: skip
def test_smalltalk_intents(real: SmalltalkScreen, text: str, name: str) -> None:
    hit = real.screen(text)
    assert hit.intent is not None, text
    assert hit.intent.name == name
    assert hit.rest == ""


@pytest.mark.parametrize(
    "text",
    [
        "ok maar wat doet de jongerenwerker op school",
        "help mijn zoon spijbelt, kan het jongerenwerk helpen",
        "hoi, wat doet een jongerenwerker?",
        "bedankt! en hoe werkt het met de politie?",
        "hoi, wie is JEP?",
        "wat is JEP",
        "dag, wat is JOS?",
        "hoe werkt het met de politie",
        "hoe gaat het met de samenwerking tussen school en jongerenwerk",
        "is alles goed geregeld met de privacy?",
        "waar vind ik hulp",
        "ik zoek hulp voor mijn dochter",
        "kan ik morgen bellen",
        "ja maar wat doet het wijkteam dan",
        "nee, ik bedoel de samenwerking met ouders",
        "top dat jullie er zijn, hoe bereik ik de advieslijn?",
        "wat kun je doen als je kind wordt gepest",
        "ben je verplicht om met de politie te praten",
        "goedemorgen, ik ben docent en wil samenwerken met het jongerenwerk",
        "dank je, maar wie betaalt de jongerenwerker?",
        "hallo, wanneer is de advieslijn open?",
        "thanks! what does a youth worker do?",
        "oke en wat als ouders het niet willen",
        "wat doet een jongerenwerker op een dag",
        "mag de jongerenwerker met de wijkagent praten?",
        "😊 wat is een werkplaats",
    ],
)
def test_real_questions_are_not_smalltalk(real: SmalltalkScreen, text: str) -> None:
    hit = real.screen(text)
    assert hit.intent is None, text
    assert hit.rest

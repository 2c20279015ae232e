"""Crisis recognition: families, situation versus subject, the reply, nothing stored, the reminder."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from bot.config import Config
from bot.crisis import Crisis, Verdict, load_crisis
from bot.engine import Engine, EngineSettings
from bot.knowledge import Knowledge
from bot.problems import Problem
from bot.replies import Outcome
from bot.yamlsource import read_yaml
from tests.conftest import OPEN_MOMENT, ROOT
from tests.yamlfiles import load_file

# The only emergency lines the bot may ever name, with their official numbers.
OFFICIAL_LINES = {
    "112": ("Alarmnummer 112", ("112",)),
    "113": ("113 Zelfmoordpreventie", ("113", "0800-0113")),
    "veilig-thuis": ("Veilig Thuis", ("0800-2000",)),
    "kindertelefoon": ("De Kindertelefoon", ("0800-0432",)),
}
OFFICIAL_NUMBERS = {"112", "113", "0800-0113", "0800-2000", "0800-0432"}


def crisis_of(engine: Engine, message: str) -> tuple[Outcome, str | None]:
    reply = engine.reply(message)
    return reply.outcome, reply.family


# --- the numbers -----------------------------------------------------------------------------


def test_every_line_has_its_official_number(knowledge: Knowledge) -> None:
    lines = knowledge.crisis.lines
    assert set(lines) == set(OFFICIAL_LINES)
    for line_id, (name, numbers) in OFFICIAL_LINES.items():
        assert lines[line_id].name == name
        found = set(re.findall(r"\d{4}-\d{4}|\d{3}", lines[line_id].number))
        assert found == set(numbers), line_id


def test_no_other_number_appears_in_any_crisis_text(knowledge: Knowledge) -> None:
    crisis = knowledge.crisis
    texts = [crisis.note] + [t for f in crisis.families for t in (f.message, f.reminder, f.safety_line)]
    texts += [line.when for line in crisis.lines.values()]
    for text in texts:
        for number in re.findall(r"\d{4}-\d{4}|\b\d{3}\b", text):
            assert number in OFFICIAL_NUMBERS, (number, text)


@pytest.mark.parametrize(
    ("family", "first_lines"),
    [
        ("overdosis", ["112", "113"]),
        ("zelfdoding", ["113", "112"]),
        ("acuut-geweld", ["112"]),
        ("seksueel-misbruik", ["veilig-thuis", "112"]),
        ("huiselijk-geweld", ["veilig-thuis", "112"]),
        ("afpersing-grooming", ["112", "veilig-thuis"]),
        ("eergerelateerd", ["veilig-thuis", "112"]),
        ("vermissing", ["112", "113"]),
    ],
)
def test_each_family_calls_the_right_lines_first(knowledge: Knowledge, family: str, first_lines: list[str]) -> None:
    found = knowledge.crisis.family(family)
    assert found is not None
    assert list(found.lines) == first_lines


# --- recognising, per family -------------------------------------------------------------------

# Written for these tests (not taken from any question set). Each row: message, family.
SITUATIONS = [
    # suicide and self-harm, said directly and indirectly
    ("ik wil dood", "zelfdoding"),
    ("het heeft allemaal geen zin meer, ik kan niet meer", "zelfdoding"),
    ("k wil er nie meer zijn", "zelfdoding"),
    ("iedereen is beter af zonder mij", "zelfdoding"),
    ("sorry voor alles. ik heb afscheid genomen van mijn vrienden", "zelfdoding"),
    ("vaarwel iedereen", "zelfdoding"),  # ... but a farewell to everyone in a short message is a sign
    (
        "mijn zoon heeft zijn playstation weggegeven en zei dat hij het niet meer nodig heeft, hij kan niet meer",
        "zelfdoding",
    ),
    ("ik sta op het dak en wil springen", "zelfdoding"),
    ("ik snij mezelf weer en het bloedt heel erg", "zelfdoding"),
    ("mijn dochter krast in haar armen", "zelfdoding"),
    ("I want to end my life tonight", "zelfdoding"),
    ("i have been cutting again and it won't stop bleeding", "zelfdoding"),
    # overdose now
    ("ik heb een hele strip paracetamol ingenomen", "overdosis"),
    ("mijn vriend heeft pillen geslikt en reageert niet meer", "overdosis"),
    ("she took a whole bottle of pills", "overdosis"),
    # sexual abuse without the word
    ("mijn oom zit aan me als niemand thuis is", "seksueel-misbruik"),
    ("hij komt 's nachts op mijn kamer en ik wil dat niet", "seksueel-misbruik"),
    ("my stepdad touches me and says it is our secret", "seksueel-misbruik"),
    # violence at home, seen by a child and by a professional
    ("papa slaat mama weer", "huiselijk-geweld"),
    ("mijn moeder gooit met borden als ze dronken is", "huiselijk-geweld"),
    ("een leerling van mij heeft blauwe plekken en is bang om naar huis te gaan", "huiselijk-geweld"),
    ("my dad hits me when he is drunk", "huiselijk-geweld"),
    # acute violence and threats
    ("er staat een jongen met een mes voor de deur van de school", "acuut-geweld"),
    ("ze wachten me op na school en willen me in elkaar slaan", "acuut-geweld"),
    ("they are going to kill me", "acuut-geweld"),
    # extortion, sextortion, grooming
    ("ik moet 200 euro betalen anders slaan ze me", "afpersing-grooming"),
    ("hij heeft mijn naaktfoto's en zegt dat hij ze rondstuurt als ik niet betaal", "afpersing-grooming"),
    (
        "mijn dochter van 13 krijgt cadeaus van een man van 35 die ze online kent en ze mag het niemand vertellen",
        "afpersing-grooming",
    ),
    ("someone is blackmailing me with my nudes", "afpersing-grooming"),
    # honour-related violence and forced marriage
    ("mijn ouders willen dat ik deze zomer in turkije trouw met mijn neef en ik wil niet", "eergerelateerd"),
    ("mijn broers zeggen dat ze me vermoorden omdat ik een vriendje heb, het gaat om de eer", "eergerelateerd"),
    ("my family is forcing me to marry someone i have never met", "eergerelateerd"),
    # missing at risk
    ("mijn dochter van 14 is sinds gisteren weg en neemt haar telefoon niet op", "vermissing"),
    ("my son ran away and is not answering his phone", "vermissing"),
]


@pytest.mark.parametrize(("message", "family"), SITUATIONS)
def test_situations_get_the_crisis_reply_of_their_family(engine: Engine, message: str, family: str) -> None:
    outcome, found = crisis_of(engine, message)
    assert outcome is Outcome.CRISIS
    assert found == family


# Questions about a crisis subject: a normal reply, with the family's safety line at the end.
SUBJECTS = [
    ("welke rol heeft het jongerenwerk bij de meldcode?", "huiselijk-geweld"),
    ("voorlichting over suïcidepreventie op scholen", "zelfdoding"),
    ("hoe herken je loverboyproblematiek op school?", "afpersing-grooming"),
    ("wat doe je als een jongere vertelt dat hij zichzelf snijdt?", "zelfdoding"),
    ("is er een training over huiselijk geweld voor jongerenwerkers?", "huiselijk-geweld"),
    ("we lezen in de les een boek over een meisje dat wordt uitgehuwelijkt", "eergerelateerd"),
]


@pytest.mark.parametrize(("message", "family"), SUBJECTS)
def test_a_subject_gets_its_normal_reply_and_a_safety_line(engine: Engine, message: str, family: str) -> None:
    reply = engine.reply(message)
    assert reply.outcome is not Outcome.CRISIS
    assert engine.assess(message).verdict is Verdict.SUBJECT
    line = engine.knowledge.crisis.family(family)
    assert line is not None
    assert reply.sections[-1].text == line.safety_line
    assert reply.sensitive


# Everyday hyperbole and ordinary questions: no crisis, no safety line.
NOT_CRISIS = [
    "ik ga dood van het lachen",
    "ik ben doodmoe na die toets",
    "dat slaat nergens op",
    "mijn moeder vermoordt me als ik weer te laat thuis ben",
    "ik schaam me dood",
    "ik kon die leraar wel wurgen haha",
    "ik wil dood haha zo gênant",
    "this homework is killing me",
    "i'd literally kill for a pizza",
    "messen in het uitgaansgebied voorkomen",
    "hoe werkt de jongerenwerker samen met de politie?",
    "wat is veerkracht",  # not a typo of 'verkracht'
    "mijn fiets is gestolen",  # not 'gestoken'
    "wat staat er in het samenwerkingsprotocol",  # 'staat' is not 'slaat'
    "slaan jongerenwerk en onderwijs de handen ineen",
    "kan het jongerenwerk daar samen met school iets aan doen?",
    "de advieslijn neemt niet op, hoe kan ik mijn vraag dan kwijt",
    "goodbye",  # one farewell word alone is a greeting ...
    "adieu",
]


@pytest.mark.parametrize("message", NOT_CRISIS)
def test_hyperbole_and_ordinary_questions_are_not_crisis(engine: Engine, message: str) -> None:
    assert engine.reply(message).outcome is not Outcome.CRISIS
    assert engine.assess(message).verdict in {Verdict.NONE, Verdict.WEAK}


def test_crisis_is_found_even_at_the_end_of_a_huge_message(engine: Engine) -> None:
    story = "ik heb een vraag over school. " * 400 + "en eigenlijk wil ik dood"
    assert engine.reply(story).outcome is Outcome.CRISIS


def test_no_faq_phrasing_is_a_crisis(engine: Engine) -> None:
    for entry in engine.knowledge.entries:
        for phrasing in entry.phrasings:
            assert engine.assess(phrasing).verdict is not Verdict.CRISIS, phrasing


# --- the reply ---------------------------------------------------------------------------------


def test_the_crisis_reply_for_a_young_person(engine: Engine) -> None:
    reply = engine.reply("ik wil niet meer leven")
    lines = reply.sections[0].text.splitlines()
    assert lines == [
        "• 113 Zelfmoordpreventie: 113 of gratis 0800-0113 (dag en nacht praten over zelfmoordgedachten, anoniem; "
        "chatten kan op 113.nl)",
        "• Alarmnummer 112: 112 (bij direct gevaar, of als iemand nu medische hulp nodig heeft)",
        "• De Kindertelefoon: 0800-0432 (gratis en anoniem, voor kinderen en jongeren)",
    ]
    family = engine.knowledge.crisis.family("zelfdoding")
    assert family is not None
    assert [s.text for s in reply.sections[1:]] == [family.message, engine.knowledge.crisis.note]
    assert reply.choices == () and reply.faq_id is None
    assert "De lijn is nu" not in reply.text and "070" not in reply.text  # no advice-line card
    assert reply.sensitive


def test_an_adult_writer_is_not_sent_to_the_kindertelefoon(engine: Engine) -> None:
    reply = engine.reply("mijn dochter zegt dat ze dood wil")
    assert reply.outcome is Outcome.CRISIS
    assert "Kindertelefoon" not in reply.sections[0].text


def test_violence_at_home_starts_with_veilig_thuis(engine: Engine) -> None:
    first = engine.reply("papa slaat mama weer").sections[0].text.splitlines()[0]
    assert first.startswith("• Veilig Thuis: 0800-2000")


def test_an_overdose_now_starts_with_112(engine: Engine) -> None:
    first = engine.reply("ik heb alle pillen ingenomen die ik had en word heel suf").sections[0].text.splitlines()[0]
    assert first.startswith("• Alarmnummer 112: 112")


def test_every_family_has_a_complete_reply(knowledge: Knowledge) -> None:
    for family in knowledge.crisis.families:
        assert family.message and family.reminder and family.safety_line
        assert len(family.message) <= 400 and len(family.reminder) <= 120 and len(family.safety_line) <= 200


# --- the reminder window ------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = OPEN_MOMENT

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clocked(knowledge: Knowledge) -> tuple[Engine, Clock]:
    clock = Clock()
    return Engine(knowledge, EngineSettings(Config().matching, reminder_minutes=30), clock=clock), clock


def test_replies_in_that_chat_end_with_the_reminder_for_thirty_minutes(clocked: tuple[Engine, Clock]) -> None:
    engine, clock = clocked
    family = engine.knowledge.crisis.family("zelfdoding")
    assert family is not None
    assert engine.reply("ik wil dood", chat=7).outcome is Outcome.CRISIS
    clock.now += dt.timedelta(minutes=5)
    answer = engine.reply("wat doet een jongerenwerker?", chat=7)
    assert answer.reminder == family.reminder
    assert answer.text.endswith(family.reminder)  # the very last line, after the related questions
    assert engine.reply("hoi", chat=7).reminder == family.reminder
    assert engine.remind(7, engine.answer_for("jongerenwerk-wat-doet")).reminder == family.reminder
    assert engine.reply("hoi", chat=8).reminder is None  # another chat
    assert engine.reply("hoi").reminder is None  # no chat: `ask`
    clock.now += dt.timedelta(minutes=26)  # 31 minutes after the crisis reply
    assert engine.reply("hoi", chat=7).reminder is None


def test_the_reminder_is_added_once(clocked: tuple[Engine, Clock]) -> None:
    engine, _ = clocked
    engine.reply("papa slaat mama", chat=1)
    reply = engine.reply("hoi", chat=1)
    assert engine.remind(1, reply) == reply


def test_the_window_survives_a_reload(clocked: tuple[Engine, Clock], knowledge: Knowledge) -> None:
    engine, clock = clocked
    engine.reply("ik wil dood", chat=3)
    reloaded = Engine(knowledge, engine.settings, clock=clock, reminders=engine.reminders)
    assert (reloaded.reply("hoi", chat=3).reminder or "").startswith("Denk eraan")


# --- nothing stored: every message with a signal is marked sensitive ------------------------------


@pytest.mark.parametrize(
    ("message", "sensitive"),
    [
        ("ik wil dood", True),  # crisis
        ("wat doet het jongerenwerk bij de meldcode?", True),  # subject
        ("ik kan niet meer, wat doet een jongerenwerker eigenlijk voor jongeren zoals ik", True),  # weak signal
        ("wat doet een jongerenwerker?", False),
        ("hoi", False),
    ],
)
def test_sensitive_messages(engine: Engine, message: str, sensitive: bool) -> None:
    assert engine.reply(message).sensitive is sensitive


# --- the quality bar on the development sets (the sealed sets are scored only by hand) ----------------
# The shipped learned words have seen these sets, so this is a guard against breaking what
# works, not a measure of quality: `python benchmarks/eval_crisis.py --cross` is that.


@pytest.mark.parametrize("name", [p.name for p in sorted((ROOT / "tests" / "data" / "crisis").glob("dev*.yaml"))])
def test_recall_and_false_alarms_on_the_development_sets(engine: Engine, name: str) -> None:
    items = yaml.safe_load((ROOT / "tests" / "data" / "crisis" / name).read_text(encoding="utf-8"))["messages"]
    crisis = [i for i in items if i["expect"] == "crisis"]
    other = [i for i in items if i["expect"] != "crisis"]
    found = sum(engine.reply(i["text"]).outcome is Outcome.CRISIS for i in crisis)
    alarms = sum(engine.reply(i["text"]).outcome is Outcome.CRISIS for i in other)
    assert found / len(crisis) >= 0.98
    assert alarms / len(other) <= 0.02


# --- the file staff edit ------------------------------------------------------------------------------


def load(tmp_path: Path, text: str) -> tuple[Crisis | None, list[Problem]]:
    return load_file(tmp_path, "crisis.yaml", text, load_crisis)


MINIMAL = """\
lines:
  "112": {name: Alarmnummer 112, number: "112", when: bij direct gevaar}
note: Bel gerust.
short_message_words: 7
window: 50
subject_frames: [hoe herken]
own_situation: [ik]
families:
  - id: zelfdoding
    name: Zelfdoding
    lines: ["112"]
    message: Bel 112.
    reminder: Denk aan 112.
    safety_line: Bij gevaar 112.
    strong: [wil dood]
    weak:
      afscheid: [vaarwel]
    together:
      - [afscheid, afscheid]
"""


def test_the_minimal_file_loads(tmp_path: Path) -> None:
    crisis, problems = load(tmp_path, MINIMAL)
    assert problems == [] and crisis is not None
    assert crisis.families[0].together == (("afscheid", "afscheid"),)


def test_the_real_file_loads_without_problems() -> None:
    doc, problems = read_yaml(ROOT / "knowledge" / "crisis.yaml", "knowledge/crisis.yaml")
    found = list(problems)
    assert load_crisis(doc, found) is not None
    assert found == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'lines: ["112"]',
            'lines: ["113"]',
            "==> File knowledge/crisis.yaml, line 11\n"
            "==> At families → zelfdoding\n"
            "=====> Error: '113' is geen hulplijn uit 'lines'.\n"
            "       What to do: Bedoel je '112'? Gebruik een van: 112.",
        ),
        (
            "strong: [wil dood]",
            "strong: [<ouder> slaat]",
            "==> File knowledge/crisis.yaml, line 15\n"
            "==> At families → zelfdoding\n"
            "=====> Error: het signaal kan niet gelezen worden: '<ouder> slaat' gebruikt de woordgroep <ouder>, "
            "maar die bestaat niet.\n"
            "       What to do: Schrijf woorden met spaties ertussen; * achter een woord voor alle woorden die zo "
            "beginnen; a|b voor een van beide; <groep> voor een woordgroep; ' + ' tussen delen die in elke volgorde "
            "mogen.",
        ),
        (
            "- [afscheid, afscheid]",
            "- [afscheid, sory]",
            "==> File knowledge/crisis.yaml, line 19\n"
            "==> At families → zelfdoding\n"
            "=====> Error: 'sory' is geen groep van deze familie.\n"
            "       What to do: De groepen zijn: afscheid.",
        ),
        (
            "- [afscheid, afscheid]",
            "- afscheid",
            "==> File knowledge/crisis.yaml, line 19\n"
            "==> At families → zelfdoding\n"
            "=====> Error: een regel onder 'together' moet twee of meer groepsnamen noemen.\n"
            "       What to do: Schrijf hem als: - [afscheid, sorry]",
        ),
        (
            "window: 50",
            "window: 0",
            "==> File knowledge/crisis.yaml, line 5\n"
            "==> At window\n"
            "=====> Error: 'window' is 0; dat moet 1 of meer zijn.\n"
            "       What to do: Zet een heel getal van 1 of meer achter 'window:'.",
        ),
        (
            "window: 50",
            "window: 50\nlearned_alone: 40",
            "==> File knowledge/crisis.yaml, line 6\n"
            "==> At learned_alone\n"
            "=====> Error: 'learned_alone' is 40; dat is een kans en moet tussen 0 en 1 liggen.\n"
            "       What to do: Zet een getal van 0 tot en met 1 achter 'learned_alone:', bijvoorbeeld 0.4.",
        ),
    ],
)
def test_problems_staff_make_in_plain_dutch(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in MINIMAL
    crisis, problems = load(tmp_path, MINIMAL.replace(old, new))
    assert crisis is None
    assert [p.format() for p in problems] == [expected]

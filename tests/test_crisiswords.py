"""The learned crisis words: features, judging, learning, the file, and how they join the rules."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot import crisiswords
from bot.crisis import Crisis, Recogniser, Verdict, check_learned
from bot.crisiswords import (
    EMPTY_MODEL,
    NOT_CRISIS,
    LearnError,
    WordModel,
    examples_from,
    features,
    train,
)
from bot.engine import Engine
from bot.knowledge import Knowledge
from bot.patterns import BREAK
from bot.yamlsource import read_yaml
from tests.conftest import ROOT

# --- features ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (["hij", "slaat"], {"hij", "slat", "hij slat"}),
        # Sentences apart: no pair across the break.
        (["weg", BREAK, "bang"], {"weg", "bang"}),
        # Ages as a class: a young child, a teenager, any other number.
        (["van", "6"], {"van", "#kind", "van #kind"}),
        (["van", "15"], {"van", "#tiener", "van #tiener"}),
        (["om", "23"], {"om", "#getal", "om #getal"}),
        ([], set()),
    ],
)
def test_features_are_stems_and_neighbouring_pairs(tokens: list[str], expected: set[str]) -> None:
    assert features(tokens) == expected


# --- judging -------------------------------------------------------------------------------------

TOY = WordModel(
    classes=(NOT_CRISIS, "vermissing", "zelfdoding"),
    bias=(3.0, 0.0, 0.0),
    weights={"donker": (0.0, 2.5, 0.0), "niet thuis": (0.0, 2.0, 0.0), "afscheid": (0.0, 0.0, 4.0)},
)


@pytest.mark.parametrize(
    ("tokens", "above_half", "family"),
    [
        (["het", "wordt", "donker", "en", "ze", "is", "niet", "thuis"], True, "vermissing"),
        (["een", "afscheid", "brief"], True, "zelfdoding"),
        (["het", "wordt", "donker"], False, "vermissing"),  # one signal is not enough here
        (["hoe", "laat", "is", "het"], False, "vermissing"),  # no match: the bias wins
    ],
)
def test_judge(tokens: list[str], above_half: bool, family: str) -> None:
    judgement = TOY.judge(tokens)
    assert (judgement.probability > 0.5) is above_half
    assert judgement.family == family


def test_contributions_name_the_words_that_weighed_most() -> None:
    tokens = ["het", "wordt", "donker", "en", "ze", "is", "niet", "thuis"]
    assert TOY.contributions(tokens, "vermissing") == [("donker", 2.5), ("niet thuis", 2.0)]


def test_an_empty_model_says_nothing() -> None:
    judgement = EMPTY_MODEL.judge(["ik", "wil", "dood"])
    assert judgement.probability == 0.0
    assert judgement.family is None


# --- learning ------------------------------------------------------------------------------------


def test_learning_separates_two_kinds_of_message() -> None:
    crisis = [
        ["hij", "is", "al", "uren", "weg", "en", "neemt", "niet", "op"],
        ["ze", "is", "weg", "en", "neemt", "niet", "op"],
    ]
    calm = [["hoe", "werkt", "het", "jongerenwerk"], ["wat", "doet", "het", "jongerenwerk", "op", "school"]]
    examples = [(t, "vermissing") for t in crisis] * 5 + [(t, NOT_CRISIS) for t in calm] * 5
    model = train(examples, ["vermissing"], epochs=30)
    assert model.judge(["hij", "is", "weg", "en", "neemt", "niet", "op"]).probability > 0.8
    assert model.judge(["wat", "doet", "het", "jongerenwerk"]).probability < 0.2
    assert model.classes == (NOT_CRISIS, "vermissing")


def test_learning_is_repeatable() -> None:
    examples = [(["weg", "bang"], "vermissing"), (["school", "vraag"], NOT_CRISIS)]
    assert train(examples, ["vermissing"]) == train(examples, ["vermissing"])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_examples_come_from_crisis_sets_and_question_sets(tmp_path: Path) -> None:
    crisis_set = write(
        tmp_path / "dev9.yaml",
        "messages:\n"
        "  - {text: 'Ze is weg', expect: crisis, family: missing}\n"
        "  - {text: 'Ik ga dood van het lachen', expect: not-crisis, kind: hyperbole}\n",
    )
    questions = write(
        tmp_path / "questions.yaml",
        "questions:\n  - {q: 'Wat doet een jongerenwerker?', topic: wat-is}\n  - {q: 'ik wil dood', topic: crisis}\n",
    )
    examples = examples_from([crisis_set], [questions], lambda text: text.lower().split())
    assert examples == [
        (["ze", "is", "weg"], "vermissing"),
        (["ik", "ga", "dood", "van", "het", "lachen"], NOT_CRISIS),
        (["wat", "doet", "een", "jongerenwerker?"], NOT_CRISIS),
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("sealed.yaml", "messages: []\n", "{path} is a sealed test set: it is scored, never learned from."),
        (
            "dev9.yaml",
            "messages:\n  - {text: x, expect: crisis, family: flood}\n",
            "{path}: unknown family 'flood' in 'x'",
        ),
        ("dev9.yaml", "messages: 3\n", "{path}: expected a list under 'messages:'"),
    ],
)
def test_unusable_training_files_are_refused(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(LearnError) as raised:
        examples_from([path], [], str.split)
    assert str(raised.value) == expected.format(path=path)


def test_the_default_sets_are_never_sealed() -> None:
    sets = crisiswords.default_crisis_sets(ROOT) + crisiswords.default_question_sets(ROOT)
    assert sets
    assert not [p for p in sets if "sealed" in p.name]


# --- the file ------------------------------------------------------------------------------------


def test_save_and_load_give_the_same_model(tmp_path: Path) -> None:
    crisiswords.save(TOY, tmp_path / "words.json")
    loaded = crisiswords.load(tmp_path / "words.json")
    assert loaded.classes == TOY.classes
    assert loaded.judge(["donker", "niet", "thuis"]) == TOY.judge(["donker", "niet", "thuis"])


@pytest.mark.parametrize(
    "content",
    [
        None,  # missing
        "{not json",
        json.dumps({"format": 99, "classes": ["-"], "bias": [0], "weights": {}}),
        json.dumps({"format": 1, "classes": ["-", "x"], "bias": [0, 0], "weights": {"a": [1, 0]}}),  # an old format
        json.dumps({"format": 2, "classes": ["-", "x"], "bias": [0, 0], "features": ["a"], "table": "AAAAAA=="}),
        json.dumps({"format": 2, "classes": ["-", "x"], "bias": [0, 0], "features": ["a"], "table": "not base64!"}),
    ],
)
def test_an_unusable_file_leaves_the_rules_working(
    tmp_path: Path, content: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "words.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.ERROR, "bot.crisiswords"):
        assert crisiswords.load(path) is EMPTY_MODEL
    assert "screening with the rules only" in caplog.text


def test_the_shipped_model_knows_every_family(knowledge: Knowledge) -> None:
    model = crisiswords.default_model()
    assert model.classes == (NOT_CRISIS, *(f.id for f in knowledge.crisis.families))
    doc, _problems = read_yaml(ROOT / "knowledge" / "crisis.yaml", "knowledge/crisis.yaml")
    assert check_learned(knowledge.crisis, doc, model) == []


def test_the_shipped_model_learned_from_the_current_dev_sets() -> None:
    """Added or changed a crisis dev set? Run `python -m bot crisis-learn` and commit the result."""
    model = crisiswords.default_model()
    for path in crisiswords.default_crisis_sets(ROOT) + crisiswords.default_question_sets(ROOT):
        name = crisiswords.source_name(path, ROOT)
        assert model.sources.get(name) == crisiswords.fingerprint(path), name


def test_staff_are_told_when_the_learned_words_miss_a_family(knowledge: Knowledge) -> None:
    doc, _problems = read_yaml(ROOT / "knowledge" / "crisis.yaml", "knowledge/crisis.yaml")
    problems = check_learned(knowledge.crisis, doc, TOY)
    line = doc.line(("families",)) if doc else None
    first = next(f.id for f in knowledge.crisis.families if f.id not in TOY.classes)
    assert problems[0].format() == (
        f"==> File knowledge/crisis.yaml, line {line}\n"
        "==> At families\n"
        f"=====> Warning: De geleerde woorden kennen de familie '{first}' niet: een bericht over deze familie "
        "zonder signaalwoord uit dit bestand wordt niet herkend.\n"
        "       What to do: Heb je een familie toegevoegd of een id veranderd? Vraag een ontwikkelaar om "
        "'python -m bot crisis-learn' te draaien, met voorbeeldberichten voor deze familie."
    )
    assert len(problems) == len(knowledge.crisis.families) - 2
    missing = check_learned(knowledge.crisis, doc, EMPTY_MODEL)
    assert [p.format().splitlines()[2] for p in missing] == [
        "=====> Warning: De geleerde woorden (bot/crisis_words.json) ontbreken of zijn onleesbaar: de bot "
        "herkent een noodsituatie nu alleen aan de signalen in dit bestand."
    ]


# --- together with the rules ------------------------------------------------------------------------


def recogniser(crisis: Crisis, model: WordModel, engine: Engine) -> Recogniser:
    return Recogniser(crisis, engine.recogniser.lexicon, engine.recogniser._patterns.real_words, model)


def flat(probability_logit: float, family: str) -> WordModel:
    """A model that gives every message the same probability (bias only)."""
    return WordModel((NOT_CRISIS, family), (0.0, probability_logit), {})


@pytest.mark.parametrize(
    ("message", "logit", "verdict", "family"),
    [
        # No rule fires; the learned words alone decide.
        ("Hij is er niet en hij gaat nooit ergens anders heen, het is nu al donker", 2.0, Verdict.CRISIS, "vermissing"),
        ("Hij is er niet en hij gaat nooit ergens anders heen, het is nu al donker", -0.5, Verdict.WEAK, None),
        ("Hij is er niet en hij gaat nooit ergens anders heen, het is nu al donker", -5.0, Verdict.NONE, None),
        # A rule's crisis in a long message is a subject when the words around it say otherwise ...
        (
            "Voor mijn presentatie op school over de film wil ik weten wat je zegt als iemand zegt ik wil dood",
            -5.0,
            Verdict.SUBJECT,
            "zelfdoding",
        ),
        # ... but a short message is left to the rules.
        ("ik wil dood", -5.0, Verdict.CRISIS, "zelfdoding"),
    ],
)
def test_the_learned_words_join_the_rules(
    engine: Engine, message: str, logit: float, verdict: Verdict, family: str | None
) -> None:
    crisis = engine.knowledge.crisis
    model = flat(logit, "vermissing")
    assessment = recogniser(crisis, model, engine).assess(message)
    assert assessment.verdict is verdict
    assert (assessment.family.id if assessment.family else None) == family


def test_a_learned_crisis_is_explained(engine: Engine) -> None:
    model = WordModel((NOT_CRISIS, "vermissing"), (0.0, -1.0), {"donker": (0.0, 3.0)})
    assessment = recogniser(engine.knowledge.crisis, model, engine).assess("het is al donker buiten")
    assert assessment.verdict is Verdict.CRISIS
    assert assessment.probability == pytest.approx(0.881, abs=0.001)
    assert [(s.kind, s.family, s.pattern, s.words) for s in assessment.signals] == [
        ("learned", "vermissing", "kans 88%", "donker")
    ]

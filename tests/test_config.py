"""The config file: every key checked, every problem worded for staff, and the example kept complete."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import (
    MATCHING_RANGES,
    STORAGE_FIELDS,
    TELEGRAM_FIELDS,
    TOP_FIELDS,
    WEBHOOK_FIELDS,
    Config,
    load_config,
)
from bot.matching import MatchSettings
from bot.problems import Problem, error, warning
from bot.schema import Field

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.yaml"

# The wording is pinned; the list of top-level keys grows with the bot, so it is taken from the code.
TOP_KEYS = f"The keys allowed here are: {', '.join(f.name for f in TOP_FIELDS)}."
MATCHING_KEYS = (
    "The keys allowed here are: answer_threshold, clarify_threshold, ambiguity_margin, max_choices, "
    "candidate_limit, fuzzy_weight, coverage_weight, precision_weight, fuzzy_set_share, phrasing_coverage_share, "
    "answer_text_credit, unknown_word_weight, min_evidence, min_coverage, out_of_scope_min_coverage, "
    "focus_from_words, story_weight, audience_margin, "
    "typo_min_length, typo_max_distance_short, typo_long_from, typo_max_distance_long."
)
YAML_HINT = (
    "Check this line and the one above it: indentation must line up with the lines around it, a text "
    "containing ': ' or starting with a quote, '-', '{' or '[' must be put between double quotes, and "
    "quotes must be closed."
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, so config files are shown by their plain name."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load_text(folder: Path, text: str, name: str = "config.yaml") -> tuple[Config | None, list[Problem]]:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def assert_only(result: tuple[Config | None, list[Problem]], *expected: Problem) -> None:
    """The config was refused with exactly these problems."""
    config, problems = result
    assert problems == list(expected)
    assert config is None


# --- what loads ----------------------------------------------------------------------


def test_example_config_loads_without_problems() -> None:
    config, problems = load_config(EXAMPLE)
    assert problems == []
    assert config is not None
    assert config.knowledge_dir == ROOT / "knowledge"
    assert config.knowledge_dir.is_dir()
    assert config.log_level == "INFO"
    assert config.max_question_chars == 1000
    assert config.matching.answer_threshold == 47
    assert config.matching.clarify_threshold == 42
    assert config.matching.max_choices == 3
    assert config.matching.typos.min_length == 4
    assert config.matching.typos.max_distance_long == 2


def test_example_config_sets_every_value_it_lists() -> None:
    """Each matching value in the example reaches MatchSettings (typo keys under `typos`)."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    config, _ = load_config(EXAMPLE)
    assert config is not None
    for key, value in data["matching"].items():
        if key.startswith("typo_"):
            field = {
                "typo_min_length": "min_length",
                "typo_max_distance_short": "max_distance_short",
                "typo_long_from": "long_from",
                "typo_max_distance_long": "max_distance_long",
            }[key]
            assert getattr(config.matching.typos, field) == value, key
        else:
            assert getattr(config.matching, key) == value, key


def test_no_config_file_means_built_in_defaults() -> None:
    config, problems = load_config(None)
    assert problems == []
    assert config == Config()
    assert config.matching == MatchSettings()


def test_empty_config_file_uses_defaults(workdir: Path) -> None:
    config, problems = load_text(workdir, "# nothing set yet\n")
    assert problems == []
    assert config is not None
    assert config.knowledge_dir == workdir / "knowledge"
    assert config.matching == MatchSettings()
    assert config.source == "config.yaml"


def test_relative_knowledge_dir_is_taken_from_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "settings"
    settings.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config, problems = load_text(settings, "knowledge_dir: ../kennis\n")
    assert problems == []
    assert config is not None
    assert config.knowledge_dir.resolve() == (tmp_path / "kennis").resolve()
    assert config.source == str(settings / "config.yaml")


def test_absolute_knowledge_dir_is_kept(workdir: Path) -> None:
    target = workdir / "somewhere" / "knowledge"
    config, problems = load_text(workdir, f"knowledge_dir: {target}\n")
    assert problems == []
    assert config is not None
    assert config.knowledge_dir == target


def test_log_level_is_not_case_sensitive(workdir: Path) -> None:
    config, problems = load_text(workdir, "log_level: debug\n")
    assert problems == []
    assert config is not None
    assert config.log_level == "DEBUG"


# --- mistakes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("log_levle", f"Did you mean 'log_level'? {TOP_KEYS}"),
        ("knowledgedir", f"Did you mean 'knowledge_dir'? {TOP_KEYS}"),
        ("database", TOP_KEYS),
    ],
)
def test_unknown_top_level_key(workdir: Path, key: str, hint: str) -> None:
    result = load_text(workdir, f"knowledge_dir: knowledge\n{key}: x\n")
    assert_only(result, error("config.yaml", 2, f"unknown key '{key}'.", hint))


def test_unknown_top_level_key_formatted(workdir: Path) -> None:
    _, [problem] = load_text(workdir, "knowledge_dir: knowledge\nlog_levle: INFO\n")
    assert problem.format() == (
        "==> File config.yaml, line 2\n"
        "=====> Error: unknown key 'log_levle'.\n"
        f"       What to do: Did you mean 'log_level'? {TOP_KEYS}"
    )
    assert TOP_KEYS.startswith(
        "The keys allowed here are: knowledge_dir, log_level, max_question_chars, crisis_reminder_minutes, matching"
    )


def test_unknown_key_under_matching(workdir: Path) -> None:
    result = load_text(workdir, "matching:\n  answer_threshold: 50\n  answer_treshold: 55\n")
    assert_only(
        result,
        error(
            "config.yaml",
            3,
            "unknown key 'answer_treshold'.",
            f"Did you mean 'answer_threshold'? {MATCHING_KEYS}",
            "matching",
        ),
    )


@pytest.mark.parametrize(
    ("key", "value", "message", "hint"),
    [
        (
            "answer_threshold",
            "150",
            "'answer_threshold' is 150, outside the range 0-100.",
            "Use a value from 0 to 100.",
        ),
        (
            "clarify_threshold",
            "-1",
            "'clarify_threshold' is -1, outside the range 0-100.",
            "Use a value from 0 to 100.",
        ),
        ("max_choices", "0", "'max_choices' is 0, outside the range 1-8.", "Use a value from 1 to 8."),
        ("max_choices", "9", "'max_choices' is 9, outside the range 1-8.", "Use a value from 1 to 8."),
        ("min_coverage", "1.5", "'min_coverage' is 1.5, outside the range 0-1.", "Use a value from 0 to 1."),
        ("fuzzy_weight", "11", "'fuzzy_weight' is 11, outside the range 0-10.", "Use a value from 0 to 10."),
    ],
)
def test_value_out_of_range(workdir: Path, key: str, value: str, message: str, hint: str) -> None:
    result = load_text(workdir, f"# settings\nmatching:\n  {key}: {value}\n")
    assert_only(result, error("config.yaml", 3, message, hint, f"matching → {key}"))


@pytest.mark.parametrize(("key", "value"), [("max_choices", 1), ("max_choices", 8), ("answer_threshold", 100)])
def test_edges_of_a_range_are_allowed(workdir: Path, key: str, value: int) -> None:
    config, problems = load_text(workdir, f"matching:\n  {key}: {value}\n")
    assert problems == []
    assert config is not None
    assert getattr(config.matching, key) == value


def test_clarify_threshold_above_answer_threshold(workdir: Path) -> None:
    result = load_text(workdir, "matching:\n  answer_threshold: 40\n  clarify_threshold: 45\n")
    assert_only(
        result,
        error(
            "config.yaml",
            3,
            "clarify_threshold (45) is higher than answer_threshold (40).",
            "The clarify threshold is the lower edge of the band below answering; make it lower.",
            "matching → clarify_threshold",
        ),
    )


def test_clarify_threshold_above_the_default_answer_threshold(workdir: Path) -> None:
    result = load_text(workdir, "matching:\n  clarify_threshold: 60\n")
    assert_only(
        result,
        error(
            "config.yaml",
            2,
            "clarify_threshold (60) is higher than answer_threshold (47).",
            "The clarify threshold is the lower edge of the band below answering; make it lower.",
            "matching → clarify_threshold",
        ),
    )


def test_clarify_threshold_equal_to_answer_threshold_is_allowed(workdir: Path) -> None:
    config, problems = load_text(workdir, "matching:\n  answer_threshold: 45\n  clarify_threshold: 45\n")
    assert problems == []
    assert config is not None


def test_all_weights_zero(workdir: Path) -> None:
    result = load_text(workdir, "matching:\n  fuzzy_weight: 0\n  coverage_weight: 0\n  precision_weight: 0\n")
    assert_only(
        result,
        error(
            "config.yaml",
            1,
            "fuzzy_weight, coverage_weight and precision_weight are all 0.",
            "Give at least one of them a value above 0.",
            "matching",
        ),
    )


@pytest.mark.parametrize(
    ("text", "message", "hint", "at"),
    [
        (
            "matching:\n  answer_threshold: high\n",
            "'answer_threshold' should be a number, but it is a piece of text.",
            "Write a number after 'answer_threshold:'.",
            "matching",
        ),
        (
            'matching:\n  answer_threshold: "50"\n',
            "'answer_threshold' should be a number, but it is a piece of text.",
            "Write a number after 'answer_threshold:'.",
            "matching",
        ),
        (
            "matching:\n  max_choices: true\n",
            "'max_choices' should be a whole number, but it is 'true'.",
            "Write a whole number after 'max_choices:'.",
            "matching",
        ),
        (
            "matching:\n  max_choices: 2.5\n",
            "'max_choices' should be a whole number, but it is the number 2.5.",
            "Write a whole number after 'max_choices:'.",
            "matching",
        ),
        (
            "log_level: INFO\nmax_question_chars: veel\n",
            "'max_question_chars' should be a whole number, but it is a piece of text.",
            "Write a whole number after 'max_question_chars:'. For example: max_question_chars: 1000",
            None,
        ),
        (
            "log_level: INFO\nmatching: 50\n",
            "'matching' should be a group of keys (indented lines below it), but it is the number 50.",
            "Write a group of keys (indented lines below it) after 'matching:'.",
            None,
        ),
    ],
)
def test_wrong_type(workdir: Path, text: str, message: str, hint: str, at: str | None) -> None:
    result = load_text(workdir, text)
    assert_only(result, error("config.yaml", 2, message, hint, at))


def test_config_that_is_not_a_group_of_keys(workdir: Path) -> None:
    result = load_text(workdir, "- knowledge_dir\n- log_level\n")
    assert_only(
        result,
        error(
            "config.yaml",
            1,
            "the config file should be a group of keys (indented lines below it), but it is a list.",
            "Compare it with the example in the README and fix the indentation.",
        ),
    )


@pytest.mark.parametrize("level", ["LOUD", "verbose", "CRITICAL"])
def test_invalid_log_level(workdir: Path, level: str) -> None:
    result = load_text(workdir, f"knowledge_dir: knowledge\nlog_level: {level}\n")
    assert_only(
        result,
        error(
            "config.yaml",
            2,
            f"'{level}' is not a log level.",
            "Use one of: DEBUG, INFO, WARNING, ERROR.",
            "key 'log_level'",
        ),
    )


def test_max_question_chars_too_small(workdir: Path) -> None:
    result = load_text(workdir, "max_question_chars: 10\n")
    assert_only(
        result,
        error(
            "config.yaml",
            1,
            "max_question_chars must be at least 50.",
            "Use a value like 1000.",
            "key 'max_question_chars'",
        ),
    )


def test_missing_config_file(workdir: Path) -> None:
    result = load_config(workdir / "config.yaml")
    assert_only(
        result,
        error(
            "config.yaml",
            None,
            "the config file does not exist.",
            "Check the path, or copy config.example.yaml to config.yaml.",
        ),
    )
    assert result[1][0].format() == (
        "==> File config.yaml\n"
        "=====> Error: the config file does not exist.\n"
        "       What to do: Check the path, or copy config.example.yaml to config.yaml."
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "knowledge_dir: knowledge\nmatching:\n  answer_threshold: 50\n clarify_threshold: 42\n",
            4,
            "YAML syntax error: this line is indented differently from the lines around it.",
        ),
        (
            # The bracket opened on line 2 is noticed on line 3; the hint says to look one line up.
            "knowledge_dir: knowledge\nlog_level: [INFO\nmax_question_chars: 1000\n",
            3,
            "YAML syntax error: a '[' is opened but not closed with ']' (put a text starting with '[' between quotes).",
        ),
    ],
)
def test_yaml_syntax_error(workdir: Path, text: str, line: int, message: str) -> None:
    result = load_text(workdir, text)
    assert_only(result, error("config.yaml", line, message, YAML_HINT))


def test_unclosed_quote_points_at_the_quote(workdir: Path) -> None:
    _, problems = load_text(workdir, 'knowledge_dir: "knowledge\nlog_level: INFO\nmax_question_chars: 1000\n')
    assert [p.line for p in problems] == [1]


def test_key_twice(workdir: Path) -> None:
    result = load_text(workdir, "log_level: INFO\nknowledge_dir: knowledge\nlog_level: DEBUG\n")
    assert_only(
        result,
        error(
            "config.yaml",
            3,
            "the key 'log_level' appears twice here (first on line 1).",
            "Keep one of the two; only the last one would be used.",
        ),
    )


def test_all_problems_in_one_pass(workdir: Path) -> None:
    result = load_text(
        workdir,
        "log_level: LOUD\nknowledgedir: kennis\nmatching:\n  max_choices: 20\n  answer_treshold: 50\n",
    )
    _, problems = result
    assert [(p.line, p.message) for p in problems] == [
        (2, "unknown key 'knowledgedir'."),
        (1, "'LOUD' is not a log level."),
        (5, "unknown key 'answer_treshold'."),
        (4, "'max_choices' is 20, outside the range 1-8."),
    ]
    assert result[0] is None


@pytest.mark.parametrize(
    ("text", "line", "message", "hint", "at"),
    [
        (
            "telegram:\n  tokn: abc\n",
            2,
            "unknown key 'tokn'.",
            "Did you mean 'token'? The keys allowed here are: token, base_url, mode, webhook, admin_chat_id, "
            "concurrent_updates, overall_max_rate, max_retries, admin_ids, handoff_chat_id, reload_seconds, "
            "retry_seconds, retry_first_delay, retry_max_delay, max_queued_per_chat.",
            "telegram",
        ),
        (
            "telegram:\n  mode: push\n",
            2,
            "'push' is not a mode.",
            "Use polling (the default) or webhook.",
            "telegram → mode",
        ),
        (
            "telegram:\n  mode: webhook\n  webhook:\n    secret_token: geheim-token-van-32-tekens-lang\n",
            2,
            "webhook mode needs webhook.public_url.",
            "Add the https address Telegram should call, or use mode: polling.",
            "telegram → mode",
        ),
        (
            "telegram:\n  webhook:\n    port: 70000\n",
            3,
            "port 70000 is not a valid port.",
            "Use a number from 1 to 65535, e.g. 8443.",
            "telegram → webhook → port",
        ),
        (
            "storage:\n  path: bot.sqlite3\n  write_delay_seconds: 90\n",
            3,
            "'write_delay_seconds' is 90, outside the range 0-60.",
            "Use a number of seconds from 0 to 60, e.g. 1; 0 writes every record at once.",
            "storage → write_delay_seconds",
        ),
        (
            "storage:\n  file: bot.sqlite3\n",
            2,
            "unknown key 'file'.",
            "The keys allowed here are: path, pseudonym_key, retention_days, store_question_text, write_delay_seconds.",
            "storage",
        ),
    ],
)
def test_telegram_and_storage_mistakes(workdir: Path, text: str, line: int, message: str, hint: str, at: str) -> None:
    assert_only(load_text(workdir, text), error("config.yaml", line, message, hint, at))


def test_relative_storage_path_is_taken_from_the_config_folder(workdir: Path) -> None:
    config, problems = load_text(workdir, "storage:\n  path: data/bot.sqlite3\n")
    assert problems == []
    assert config is not None
    assert config.storage.path == workdir / "data" / "bot.sqlite3"


# --- the example config documents every key ----------------------------------------------


def _example() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_example_config_has_every_top_level_key() -> None:
    assert set(_example()) == {field.name for field in TOP_FIELDS}


def test_example_config_has_every_matching_key() -> None:
    matching = _example()["matching"]
    assert isinstance(matching, dict)
    assert set(matching) == set(MATCHING_RANGES)


@pytest.mark.parametrize(
    ("section", "fields"),
    [(("telegram",), TELEGRAM_FIELDS), (("telegram", "webhook"), WEBHOOK_FIELDS), (("storage",), STORAGE_FIELDS)],
)
def test_example_config_documents_every_nested_key(section: tuple[str, ...], fields: tuple[Field, ...]) -> None:
    """Set in the example, or shown there as a commented-out line such as '# admin_chat_id: ...'."""
    data: Any = _example()
    for part in section:
        data = data[part]
    assert isinstance(data, dict)
    names = {f.name for f in fields}
    assert set(data) <= names
    text = EXAMPLE.read_text(encoding="utf-8")
    for name in names - set(data):
        assert re.search(rf"^\s*#\s*{name}:", text, re.MULTILINE), f"{name} is not in config.example.yaml"


# --- webhook safety, send timings, storage path, unclosed quotes --------------------------

WEBHOOK = (
    "telegram:\n  mode: webhook\n  webhook:\n"
    "    public_url: {url}\n    listen: {listen}\n    secret_token: '{secret}'\n"
)
SECRET = "geheim-token-van-32-tekens-lang"


@pytest.mark.parametrize(
    ("url", "listen", "secret", "problem"),
    [
        ("https://bot.example.org/tg", "127.0.0.1", SECRET, None),
        (
            "https://bot.example.org/tg",
            "127.0.0.1",
            "",
            error(
                "config.yaml",
                6,
                "de webhook heeft geen geheim token, dus iedereen die het adres kent kan nepberichten sturen.",
                "Zet een lange willekeurige tekst in de omgevingsvariabele TELEGRAM_WEBHOOK_SECRET (of bij "
                "webhook → secret_token), bijvoorbeeld de uitvoer van: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'.",
                "telegram → webhook → secret_token",
            ),
        ),
        (
            "https://bot.example.org/tg",
            "127.0.0.1",
            "kort",
            error(
                "config.yaml",
                6,
                "het geheime token van de webhook moet 16 tot 256 tekens lang zijn en mag alleen letters, "
                "cijfers, _ en - bevatten.",
                "Maak een nieuw token met: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'.",
                "telegram → webhook → secret_token",
            ),
        ),
        (
            "http://bot.example.org/tg",
            "127.0.0.1",
            SECRET,
            error(
                "config.yaml",
                4,
                "Telegram roept een webhook alleen aan via https.",
                "Gebruik een adres dat met https:// begint (de reverse proxy regelt het certificaat).",
                "telegram → webhook → public_url",
            ),
        ),
        (
            "https://bot.example.org/tg",
            "0.0.0.0",
            SECRET,
            warning(
                "config.yaml",
                5,
                "de webhook luistert op 0.0.0.0, dus ook voor andere computers, zonder https ervoor.",
                "Gebruik listen: 127.0.0.1 en zet een reverse proxy (bijvoorbeeld nginx) met https ervoor, "
                "zoals de README laat zien.",
                "telegram → webhook → listen",
            ),
        ),
    ],
)
def test_webhook_mode_is_safe_or_refused(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, url: str, listen: str, secret: str, problem: Problem | None
) -> None:
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    config, problems = load_text(workdir, WEBHOOK.format(url=url, listen=listen, secret=secret))
    assert problems == ([] if problem is None else [problem])
    assert (config is None) is (problem is not None and problem.is_error)


def test_the_webhook_secret_may_come_from_the_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    config, problems = load_text(workdir, WEBHOOK.format(url="https://b.example.org/t", listen="127.0.0.1", secret=""))
    assert problems == [] and config is not None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "telegram:\n  retry_seconds: -1\n",
            error(
                "config.yaml",
                2,
                "'retry_seconds' is -1, buiten het bereik 0-3600.",
                "Kies een waarde van 0 tot en met 3600.",
                "telegram → retry_seconds",
            ),
        ),
        (
            "telegram:\n  max_queued_per_chat: 0\n",
            error(
                "config.yaml",
                2,
                "'max_queued_per_chat' is 0, buiten het bereik 1-1000.",
                "Kies een waarde van 1 tot en met 1000.",
                "telegram → max_queued_per_chat",
            ),
        ),
        (
            "telegram:\n  retry_first_delay: 2\n  retry_max_delay: 1\n",
            error(
                "config.yaml",
                3,
                "retry_max_delay (1) is korter dan retry_first_delay (2).",
                "Maak retry_max_delay minstens even groot als retry_first_delay.",
                "telegram → retry_max_delay",
            ),
        ),
    ],
)
def test_send_timings_and_the_per_chat_cap_are_checked(workdir: Path, text: str, problem: Problem) -> None:
    assert_only(load_text(workdir, text), problem)


def test_the_send_timings_reach_the_config(workdir: Path) -> None:
    text = "telegram:\n  retry_seconds: 5\n  retry_first_delay: 0.1\n  retry_max_delay: 2\n  max_queued_per_chat: 9\n"
    config, problems = load_text(workdir, text)
    assert problems == [] and config is not None
    tg = config.telegram
    assert (tg.retry_seconds, tg.retry_first_delay, tg.retry_max_delay, tg.max_queued_per_chat) == (5, 0.1, 2, 9)


@pytest.mark.parametrize("folder", ["data", "."])
def test_a_folder_as_storage_path_is_caught(workdir: Path, folder: str) -> None:
    (workdir / "data").mkdir()
    shown = "data" if folder == "data" else "."
    assert_only(
        load_text(workdir, f"storage:\n  path: {folder}\n"),
        error(
            "config.yaml",
            2,
            f"storage → path wijst naar de map {shown}, niet naar een databasebestand.",
            "Geef de naam van een bestand in die map op, bijvoorbeeld data/bot.sqlite3.",
            "storage → path",
        ),
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('log_level: "INFO\nmax_question_chars: 1000\n', 1),
        # The open quote is closed by the first quote on the next line, so PyYAML stumbles there.
        ('telegram:\n  token: "abc\n  base_url: ""\n  mode: polling\n', 2),
        ('telegram:\n  token: "abc\n  mode: "polling"\n  admin_ids: []\n', 2),
        ("telegram:\n  mode: polling\n  token: 'it''s\n  base_url: 'x'\n", 3),
        ('knowledge_dir: knowledge\ntelegram:\n  admin_ids: ["1]\n  base_url: "x"\n', 3),
    ],
)
def test_an_unclosed_quote_is_reported_at_its_own_line(workdir: Path, text: str, line: int) -> None:
    assert_only(
        load_text(workdir, text),
        error("config.yaml", line, "YAML syntax error: a quote is opened but never closed.", YAML_HINT),
    )

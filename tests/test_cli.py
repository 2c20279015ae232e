"""The command line: `ask`, `ask --json`, `chat`, `run` without a token; documented in the README."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli

ROOT = Path(__file__).resolve().parent.parent
CONFIG = str(ROOT / "config.example.yaml")


def test_ask_json_from_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", CONFIG, "ask", "--json", "wat doet een jongerenwerker?", "school"]) == 0
    lines = capsys.readouterr().out.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"question", "outcome", "faq_id", "score", "text", "suggestions", "crisis"}
    assert first["outcome"] == "answer" and first["faq_id"] == "jongerenwerk-wat-doet"
    assert first["question"] == "wat doet een jongerenwerker?"
    assert second["outcome"] == "clarify" and second["faq_id"] is None
    assert all(set(s) == {"faq_id", "question", "text"} and s["text"] for s in second["suggestions"])
    assert "<" not in first["text"]  # plain text, not HTML


def test_ask_json_from_stdin_one_object_per_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("hoi\n\nik wil dood\nhoe vraag ik een paspoort aan\n"))
    assert cli.main(["--config", CONFIG, "ask", "--json"]) == 0
    outcomes = [json.loads(line)["outcome"] for line in capsys.readouterr().out.splitlines()]
    assert outcomes == ["smalltalk", "smalltalk", "crisis", "escalate"]


def test_ask_shows_the_test_pane(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", CONFIG, "ask", "samenwerkingsprotocl met de politie"]) == 0
    out = capsys.readouterr().out
    assert "Typos:     samenwerkingsprotocl → samenwerkingsprotocol" in out
    assert "Outcome:   answer" in out
    assert "Candidates (score = fuzzy / coverage / precision):" in out
    assert "politie-protocol" in out


def test_ask_shows_what_the_normaliser_did(capsys: pytest.CaptureFixture[str]) -> None:
    story = (
        "Mijn dochter van 13 zit in de brugklas. Ze vertelde gisteren dat er een jongerenwerker op school is. "
        "Ik wist niet eens dat dat bestond. Wat doet een jongerenwerker op een school?"
    )
    assert cli.main(["--config", CONFIG, "ask", "wrm werkt jongerenwerk ff samen met de pliesie", story]) == 0
    out = capsys.readouterr().out
    assert (
        "Everyday:  wrm → waarom, ff → even, pliesie → politie  (chat-speak and dialect read as standard Dutch)" in out
    )
    assert (
        "Asked:     «Wat doet een jongerenwerker op een school?»  (the question sentence of a long message; "
        "the rest counts less)" in out
    )


def test_run_without_token_starts_the_local_chat_and_says_how_to_connect(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("wat doet een jongerenwerker\nstop\n"))
    monkeypatch.setattr("builtins.input", lambda prompt: sys.stdin.readline() or (_ for _ in ()).throw(EOFError()))
    assert cli.main(["--config", CONFIG, "run"]) == 0
    out = capsys.readouterr().out
    assert "Telegram is not connected: set TELEGRAM_BOT_TOKEN" in out
    assert "Wat doet een jongerenwerker?" in out


def test_the_bot_refuses_to_start_on_a_broken_knowledge_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"knowledge_dir: {tmp_path / 'missing'}\n", encoding="utf-8")
    assert cli.main(["--config", str(config), "ask", "hoi"]) == 1
    err = capsys.readouterr().err
    assert "=====> Error: the knowledge folder does not exist." in err
    assert "The bot cannot start until these problems are fixed" in err


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name in commands:
        assert f"python -m bot {name}" in readme, name
    assert "make run" in readme and "make test" in readme


def test_ask_json_as_the_scorer_runs_it() -> None:
    """Through a real process, as ../shared/eval/score.py calls it."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input="wat is het mailadres van de advieslijn\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    reply = json.loads(proc.stdout)
    assert reply["outcome"] == "answer" and "platformjep@minszw.nl" in reply["text"]


async def test_report_command_text_and_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.config import StorageConfig
    from bot.storage import Storage

    storage = await Storage.open(StorageConfig(path=tmp_path / "bot.sqlite3", pseudonym_key="k"))
    for question in ("hoe vraag ik een paspoort aan", "paspoort aanvragen hoe?", "school"):
        await storage.record_event(1, "escalate" if "paspoort" in question else "clarify", None, 30.0, question)
    await storage.record_event(2, "answer", "politie-protocol", 90.0, None)
    await storage.close()
    config = tmp_path / "config.yaml"
    config.write_text(f"knowledge_dir: {ROOT / 'knowledge'}\nstorage:\n  path: bot.sqlite3\n", encoding="utf-8")
    page = tmp_path / "report.html"
    assert cli.main(["--config", str(config), "report", "--days", "7", "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert "paspoort" in out and f"Wrote {page}" in out
    html_text = page.read_text(encoding="utf-8")
    assert "<svg" in html_text and "paspoort" in html_text


def test_report_rejects_zero_days(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", CONFIG, "report", "--days", "0"]) == 2
    assert "--days must be 1 or more." in capsys.readouterr().err


def test_crisis_learn_writes_the_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crisis_set = tmp_path / "dev9.yaml"
    crisis_set.write_text(
        "messages:\n"
        "  - {text: 'Mijn dochter is al uren weg en neemt niet op', expect: crisis, family: missing}\n"
        "  - {text: 'Ik ga dood van het lachen', expect: not-crisis, kind: hyperbole}\n",
        encoding="utf-8",
    )
    questions = tmp_path / "questions.yaml"
    questions.write_text("questions:\n  - {q: 'Wat doet een jongerenwerker?', topic: wat-is}\n", encoding="utf-8")
    out = tmp_path / "words.json"
    argv = ["--config", CONFIG, "crisis-learn", "--crisis-set", str(crisis_set), "--question-set", str(questions)]
    assert cli.main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Learned from 3 messages (1 crisis) in 2 files: ")
    assert printed.endswith(f"written to {out}.\n")
    model = json.loads(out.read_text(encoding="utf-8"))
    assert model["classes"][:2] == ["-", "overdosis"] and "vermissing" in model["classes"]


def test_crisis_learn_refuses_a_sealed_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text("messages: []\n", encoding="utf-8")
    assert (
        cli.main(["--config", CONFIG, "crisis-learn", "--crisis-set", str(sealed), "--out", str(tmp_path / "w")]) == 1
    )
    assert capsys.readouterr().err == f"{sealed} is a sealed test set: it is scored, never learned from.\n"
    assert not (tmp_path / "w").exists()

"""Hot reload in the core: change detection and an all-or-nothing new engine."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import Config
from bot.reloading import fingerprint, reload_engine

ROOT = Path(__file__).resolve().parent.parent


def copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


def test_fingerprint_changes_when_a_file_changes(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path)
    before = fingerprint(folder)
    assert before == fingerprint(folder)
    path = folder / "faq-ouders.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# staff note\n", encoding="utf-8")
    assert fingerprint(folder) != before


def test_fingerprint_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert fingerprint(tmp_path / "nope") == ()


def test_a_good_edit_gives_a_new_engine(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path)
    path = folder / "faq-ouders.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("question: ", "question: Nieuw - ", 1), encoding="utf-8")
    result = reload_engine(Config(knowledge_dir=folder))
    assert result.engine is not None and not result.errors
    assert any(e.question.startswith("Nieuw - ") for e in result.engine.knowledge.entries)


def test_a_broken_edit_gives_no_engine_and_the_problems(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path)
    path = folder / "faq-ouders.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    answer:", "    anwser:", 1), encoding="utf-8")
    result = reload_engine(Config(knowledge_dir=folder))
    assert result.engine is None
    assert [p.message for p in result.errors] == ["unknown key 'anwser'."]
    assert result.errors[0].file.endswith("faq-ouders.yaml")

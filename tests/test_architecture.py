"""The core is pure: knowledge, matching and replies never import telegram."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
# The Telegram adapter: the application, its handlers, and how updates are kept, ordered and sent.
ADAPTERS = {"telegram_app.py", "handlers.py", "inbox.py", "fairness.py", "delivery.py"}
CORE = sorted(p for p in BOT.glob("*.py") if p.name not in ADAPTERS)


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_module_does_not_import_telegram(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not any(n == "telegram" or n.startswith("telegram.") for n in names), path.name


def test_ask_runs_without_loading_telegram() -> None:
    code = (
        "import sys, io; sys.stdin = io.StringIO('hoi\\n'); from bot import cli; cli.main(['ask', '--json']);"
        "assert 'telegram' not in sys.modules, 'telegram was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=BOT.parent, capture_output=True, timeout=60)

"""Arrows point one way: storage and the services import neither telegram nor babel."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAIN = [ROOT / "storage", ROOT / "bot" / "services"]
FORBIDDEN = ("telegram", "babel", "handlers", "conversations", "bot.app", "bot.context")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_and_storage_do_not_import_telegram_or_babel() -> None:
    offenders = []
    for folder in PLAIN:
        for path in folder.rglob("*.py"):
            for name in _imports(path):
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders
    assert any(PLAIN[1].rglob("*.py"))  # the check looked at real files

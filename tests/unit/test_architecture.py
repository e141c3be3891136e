"""Arrows point one way: storage and the services import neither telegram nor babel; the
running bot loads no heavy library that only some commands need."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAIN = [ROOT / "domain", ROOT / "storage", ROOT / "bot" / "services"]
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


def test_the_domain_imports_no_other_layer() -> None:
    """Request states, draft steps and lanes are the domain's own: no storage, no driver."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "domain").rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0]
        in {"storage", "bot", "handlers", "conversations", "aiosqlite", "psycopg"}
    ]
    assert not offenders
    assert any((ROOT / "domain").rglob("*.py"))


def test_domain_and_storage_do_not_import_telegram_or_babel() -> None:
    offenders = []
    for folder in PLAIN:
        for path in folder.rglob("*.py"):
            for name in _imports(path):
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders
    assert any(PLAIN[1].rglob("*.py"))  # the check looked at real files


SIDES = {
    # Who serves whom: a side may use the shared modules at the top of handlers/ and its
    # own modules, never the other side's; the delivery of outgoing messages (bot.delivery)
    # uses both sides' texts, and no handler reaches into it.
    "beneficiary": (
        [ROOT / "handlers" / "beneficiary", ROOT / "conversations"],
        ("handlers.staff", "bot.delivery"),
    ),
    "staff": (
        [ROOT / "handlers" / "staff"],
        ("handlers.beneficiary", "conversations", "bot.delivery"),
    ),
    "shared": (
        sorted((ROOT / "handlers").glob("*.py")),
        ("handlers.beneficiary", "handlers.staff", "conversations", "bot.delivery"),
    ),
}


def _files(places: list[Path]) -> list[Path]:
    return [f for p in places for f in ([p] if p.is_file() else sorted(p.rglob("*.py")))]


def test_each_side_keeps_to_itself() -> None:
    offenders = []
    for side, (places, forbidden) in SIDES.items():
        files = _files(places)
        assert len(files) > 5, side  # the check looked at real files
        for path in files:
            for name in _imports(path):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    offenders.append(f"{path.relative_to(ROOT)} ({side}) imports {name}")
    assert not offenders


def test_handlers_are_registered_in_one_place_per_side() -> None:
    """Only each side's routes (and the composition root, for what is shared) register."""
    allowed = {
        ROOT / "handlers" / "beneficiary" / "routes.py",
        ROOT / "handlers" / "staff" / "routes.py",
        ROOT / "bot" / "app.py",
    }
    registering = set()
    for folder in ("bot", "handlers", "conversations"):
        for path in (ROOT / folder).rglob("*.py"):
            if ".add_handler(" in path.read_text(encoding="utf-8"):
                registering.add(path)
    assert registering == allowed


# Libraries only a command or a rare feature needs, with what they would cost every
# running bot (resident memory, measured): the chart (/report), the workbook (/export),
# PDF guides (import-guides).
HEAVY_ON_DEMAND = {"matplotlib": "30 MB", "openpyxl": "8 MB", "pypdf": "7 MB"}


def test_the_running_bot_does_not_load_what_only_some_commands_need() -> None:
    script = (
        "import sys, bot.__main__, bot.app, bot.webhook\n"
        f"print(' '.join(m for m in {sorted(HEAVY_ON_DEMAND)!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == [], f"imported at start-up: {loaded} (import them where they are used)"

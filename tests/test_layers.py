"""The layout keeps its promise: the path says the layer, and dependencies run one way.

    web ──► reads, rules, notify ──► records ──► rules.access, rules.scoring, rules.licence
                                                 ──► users, devices, audit, db, timeutil, config, instruments
    and everything ──► sync, which imports nothing of fieldapp (nor Flask).

Read from the source with `ast`, so a new module is checked the day it is added.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The policies that record types apply: below records, so they may not import it.
POLICIES = {"fieldapp.rules.access", "fieldapp.rules.scoring", "fieldapp.rules.licence"}
BASE = {"fieldapp.users", "fieldapp.devices", "fieldapp.audit", "fieldapp.db", "fieldapp.timeutil", "fieldapp.config",
        "fieldapp.instruments", "fieldapp.extensions", "fieldapp.instance_files"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = ROOT / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imported(path: Path) -> set[str]:
    """Every module of ours that `path` imports (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # `from ..rules import access` imports the module rules.access; a name that is
                # not a module comes from `base` itself.
                member = f"{base}.{alias.name}"
                found.add(member if is_module(member) else base)
    return {m for m in found if m.split(".")[0] in ("fieldapp", "sync", "flask")}


def layer(name: str) -> int:
    """0 sync, 1 base, 2 policies, 3 records, 4 reads/rules/notify, 5 web and the entry points."""
    if name.split(".")[0] == "sync":
        return 0
    if name in BASE or any(name.startswith(base + ".") for base in BASE):
        return 1
    if name in POLICIES:
        return 2
    if name.startswith("fieldapp.records"):
        return 3
    if name.startswith(("fieldapp.reads", "fieldapp.rules", "fieldapp.notify")):
        return 4
    return 5  # fieldapp.web, fieldapp (create_app), cli, demo, backup, migrations


SOURCES = sorted((ROOT / "fieldapp").rglob("*.py")) + sorted((ROOT / "sync").rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_imports_run_one_way(path):
    name = module_name(path)
    ours = {m for m in imported(path) if not m.startswith("flask")}
    upward = sorted(m for m in ours if layer(m) > layer(name) and not name.startswith(m + "."))
    assert not upward, f"{name} (layer {layer(name)}) imports {upward}"


@pytest.mark.parametrize("path", sorted((ROOT / "sync").rglob("*.py")), ids=lambda p: module_name(p))
def test_the_sync_engine_imports_neither_flask_nor_the_app(path):
    assert not {m for m in imported(path) if m.split(".")[0] in ("flask", "fieldapp")}


@pytest.mark.parametrize("path", [p for p in SOURCES if "web" not in p.parts and p.name != "__init__.py"
                                  or p.parent.name in ("records", "reads", "rules", "notify")],
                         ids=lambda p: module_name(p))
def test_only_the_web_layer_imports_flask(path):
    allowed = {"fieldapp.db", "fieldapp.extensions", "fieldapp", "fieldapp.cli"}
    if module_name(path) in allowed:
        return
    assert not {m for m in imported(path) if m.startswith("flask")}, module_name(path)


def test_no_private_name_is_imported_across_modules():
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] != "__future__":
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{module_name(path)} imports {private} from {node.module}"


def test_templates_mirror_the_blueprints():
    blueprints = {p.stem for p in (ROOT / "fieldapp" / "web").glob("*.py")} - {"__init__", "guards"}
    folders = {p.name for p in (ROOT / "templates").iterdir() if p.is_dir()}
    assert folders <= blueprints, f"template folders with no blueprint: {folders - blueprints}"

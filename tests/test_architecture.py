"""The shape of the code, checked on every run in the manner of sqlite-utils' ``test_docs.py``.

- the core (``okrdata``) never imports Streamlit;
- pages and ``ui`` hold no SQL: every query lives in ``okrdata``;
- every module imports on its own (no import circles);
- every page in ``ui.navigation.PAGES`` has a file of AppTests;
- every ``okr`` command is described in the README.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from okrdata.cli import cli
from ui import navigation

ROOT = Path(__file__).resolve().parents[1]
CORE = sorted((ROOT / "okrdata").rglob("*.py"))
APP_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").rglob("*.py"), *(ROOT / "ui").rglob("*.py")])
SQL = re.compile(r"\b(SELECT\s[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def string_literals(path: Path) -> list[tuple[int, str]]:
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_lists_walked_below_are_not_empty():
    assert len(CORE) > 20 and len(APP_FILES) > 10 and len(navigation.PAGES) >= 10


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_never_imports_streamlit(path):
    streamlit = sorted(m for m in imported_modules(path) if m == "streamlit" or m.startswith("streamlit."))
    assert not streamlit, f"{path.relative_to(ROOT)} imports {streamlit}: okrdata must run without Streamlit"


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_ui_hold_no_sql(path):
    queries = [(line, text[:60]) for line, text in string_literals(path) if SQL.search(text)]
    assert not queries, f"{path.relative_to(ROOT)} holds SQL; move it to okrdata: {queries}"


@pytest.mark.slow
def test_every_module_imports_on_its_own():
    """Each module is imported in a fresh interpreter state, so a circle that only works in
    one import order fails here."""
    names = [module_name(p) for p in [*CORE, *(ROOT / "ui").rglob("*.py")]]
    assert names
    script = (
        "import importlib, sys, traceback\n"
        "failed = []\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] in ('okrdata', 'ui')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {exc!r}')\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"modules that do not import on their own:\n{result.stdout}"


@pytest.mark.parametrize("page", navigation.PAGES, ids=lambda p: p.path)
def test_no_page_prints_a_stray_string(page):
    """Streamlit's magic writes a bare string at a page's top level onto the page: a docstring
    under a constant would show up as text. Only the module's own docstring is allowed."""
    tree = ast.parse((ROOT / page.path).read_text())
    stray = [
        node.lineno
        for node in tree.body[1:]
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    ]
    assert not stray, f"{page.path}: bare strings at lines {stray} would be printed on the page; use comments"


@pytest.mark.parametrize("page", navigation.PAGES, ids=lambda p: p.path)
def test_every_page_has_a_file_of_apptests(page):
    tests = ROOT / "tests" / f"test_page_{Path(page.path).stem}.py"
    assert tests.exists(), f"{page.path} has no {tests.relative_to(ROOT)}"
    text = tests.read_text()
    assert "AppTest" in text and page.path in text, f"{tests.name} does not run {page.path} in an AppTest"


def command_paths(group: click.Group, prefix: str = "okr") -> list[str]:
    paths = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        paths.append(path)
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, path))
    return paths


COMMANDS = command_paths(cli)


def test_the_cli_has_commands():
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("command", COMMANDS)
def test_every_okr_command_is_in_the_readme(command):
    readme = (ROOT / "README.md").read_text()
    parts = command.split()
    # A sub-command may be listed with its siblings, as in `okr user add/passwd/role/list`.
    listed = command in readme or (
        len(parts) == 3 and re.search(rf"{re.escape(' '.join(parts[:2]))} [\w/-]*\b{re.escape(parts[2])}\b", readme)
    )
    assert listed, f"`{command}` is not described in the README"

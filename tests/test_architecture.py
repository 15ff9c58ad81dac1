"""The shape of the code, checked on every run in the manner of sqlite-utils' ``test_docs.py``.

- the core (``okrdata``) never imports Streamlit;
- pages and ``ui`` hold no SQL: every query lives in ``okrdata``;
- pages and ``ui`` escape user text one way, :func:`ui.badges.escape_markdown`: no other escaping
  function is defined, imported or called there, and no local ``.replace("*", "\\*")``; the
  core escapes each markup it writes (HTML, the PDF's, Graphviz's) in one module;
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
from source_scan import dotted

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


THE_ESCAPER = "escape_markdown"
"""The one escaping function of pages and ``ui`` (:func:`ui.badges.escape_markdown`)."""
ESCAPER_HOME = ROOT / "ui" / "badges.py"
NOT_TEXT_ESCAPES = {("re", "escape")}
"""Escaping that is not about showing text: ``re.escape`` builds a pattern."""
MARKDOWN_SPECIALS = set("\\`*_{}[]<>()#+-.!|~$:&")


def _another_escaper(ref: str, home: bool) -> bool:
    last = ref.rsplit(".", 1)[-1]
    if not ref or last == THE_ESCAPER or (home and ref.startswith("_")):
        return False
    return "escape" in last.lower() and tuple(ref.rsplit(".", 1)) not in NOT_TEXT_ESCAPES


def other_escapers(path: Path) -> list[str]:
    """Where ``path`` defines, imports or calls an escaping of text other than :data:`THE_ESCAPER`,
    or escapes a Markdown character by hand (``.replace("*", "\\*")``, ``str.translate``)."""
    found: list[str] = []
    home = path == ESCAPER_HOME
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        line = node.lineno if hasattr(node, "lineno") else 0
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            name = getattr(node, "name", "lambda")
            if "escape" in name.lower() and not (home and (name == THE_ESCAPER or name.startswith("_"))):
                found.append(f"{line}: defines {name}()")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names = {alias.name.rsplit(".", 1)[-1], alias.asname or ""}
                if any("escape" in n.lower() and n != THE_ESCAPER for n in names):
                    found.append(f"{line}: imports {alias.name}")
                if alias.name in ("html", "markupsafe", "xml.sax.saxutils"):
                    found.append(f"{line}: imports {alias.name}")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                name, value = dotted(target), dotted(node.value).rsplit(".", 1)[-1]
                if value == THE_ESCAPER or (home and name.startswith("_")):
                    continue
                if "escape" in name.lower() or "escape" in value.lower():
                    found.append(f"{line}: binds {name}")
        elif isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                ref = dotted(arg)
                if _another_escaper(ref, home):
                    found.append(f"{line}: passes {ref}")  # wording.number(x, label, badges.escape)
            name = dotted(node.func)
            last = name.rsplit(".", 1)[-1]
            if _another_escaper(name, home):
                found.append(f"{line}: calls {name}()")
            elif last in ("translate", "maketrans") and not home:
                found.append(f"{line}: calls {name}(): a hand-made escaping table")
            elif last == "replace" and len(node.args) >= 2:
                old, new = (a.value if isinstance(a, ast.Constant) else None for a in node.args[:2])
                if isinstance(old, str) and isinstance(new, str) and old and new.startswith("\\"):
                    if old[0] in MARKDOWN_SPECIALS or new == "\\" + old:
                        found.append(f"{line}: escapes {old!r} by hand")
            elif last == "sub" and any(
                isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("\\\\")
                for a in node.args[:2]
            ):
                found.append(f"{line}: escapes by hand with {name}()")  # re.sub(r"([*_])", r"\\\1", text)
    return sorted(found, key=lambda f: int(f.split(":")[0]))


def test_the_escaping_check_finds_each_way_round_the_one_escaper(tmp_path):
    sample = tmp_path / "page.py"
    sample.write_text(
        "import html\n"
        "from ui import badges\n"
        "from ui.badges import escape_markdown\n"
        "def escape_title(t):\n    return t.replace('*', '\\\\*')\n"
        "badges.escape(x)\nhtml.escape(x)\nescape_markdown(x)\nbadges.escape_markdown(x)\nre.escape(x)\n"
        "x.translate(TABLE)\nesc = badges.escape\nshow = escape_markdown\n"
        "wording.number(1, label, badges.escape)\nwording.number(1, label, escape_markdown)\n"
        "'|'.join(map(re.escape, words))\nre.sub(r'([*_])', r'\\\\\\1', t)\nre.sub(r'\\s+', ' ', t)\n"
    )
    assert sorted(f.split(": ", 1)[1] for f in other_escapers(sample)) == sorted(
        [
            "imports html",
            "defines escape_title()",
            "escapes '*' by hand",
            "calls badges.escape()",
            "calls html.escape()",
            "calls x.translate(): a hand-made escaping table",
            "binds esc",
            "passes badges.escape",
            "escapes by hand with re.sub()",
        ]
    )


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_ui_escape_user_text_one_way(path):
    """The developers' guide: user text reaches the screen only through the one escaping path.
    A second escaper (``badges.escape`` left ``&amp;`` to be read as ``&``) is how a page
    starts showing a name differently from the next one."""
    found = other_escapers(path)
    assert not found, f"{path.relative_to(ROOT)}: use ui.badges.escape_markdown, nothing else:\n" + "\n".join(found)


MARKUP_ESCAPERS = {
    "okrdata/report/html.py": "HTML: the summary's file and every e-mail (report.html._e)",
    "okrdata/report/pdf_style.py": "ReportLab's paragraph markup in the PDF (pdf_style.text)",
    "okrdata/alignment.py": "Graphviz's HTML-like labels of the alignment graph (alignment.html_text)",
}
"""The one module that escapes each markup the core writes; the chat posts escape each provider's
syntax in ``okrdata/notify/chat.py`` with no library."""


def test_the_core_escapes_each_markup_in_one_place():
    importers = {
        path.relative_to(ROOT).as_posix()
        for path in CORE
        if imported_modules(path) & {"html", "xml.sax.saxutils", "markupsafe"}
    }
    assert importers == set(MARKUP_ESCAPERS), "escape HTML with okrdata.report._e, the e-mails' and the summary's"


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

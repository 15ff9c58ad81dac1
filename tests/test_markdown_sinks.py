"""User text reaches Markdown only through the one escaping path, checked in the source.

Streamlit renders as Markdown the body of st.markdown, st.caption, st.write, headings and alerts,
the label, help and value of metrics, the label and help of every widget and button, expander,
tab and popover labels, progress texts, and the options of radios, pills and segmented
controls. An f-string handed to one of those that interpolates a field known to hold user text
(a name, title, description, note, unit label, e-mail...) must pass it through
``escape_markdown`` (:func:`ui.badges.escape_markdown`;
``tests/test_architecture.py`` checks it is the only escaper there) or
``badges.number(..., markdown=True)``.

This scan catches the paths the page tests do not reach (an empty state, a rare message); the
AppTest in ``tests/test_hardening.py`` checks what every page really renders with Markdown in
every user text field.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ui.badges import escape_markdown

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py")])

SINKS = {
    "markdown",
    "caption",
    "write",
    "title",
    "header",
    "subheader",
    "info",
    "success",
    "warning",
    "error",
    "toast",
    "metric",
    "expander",
    "popover",
    "tabs",
    "progress",
    "button",
    "form_submit_button",
    "download_button",
    "link_button",
    "page_link",
    "checkbox",
    "toggle",
    "radio",
    "pills",
    "segmented_control",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "time_input",
    "selectbox",
    "multiselect",
    "slider",
    "select_slider",
    "file_uploader",
    "color_picker",
    "status",
    "badge",
    "dialog",
    "stop",  # ui.empty.stop: its message is shown by st.info
}
"""Calls whose positional text or Markdown keywords Streamlit renders as Markdown (a selectbox's
options are plain, but its label and help are Markdown)."""
MARKDOWN_KEYWORDS = {"body", "label", "help", "value", "delta", "text", "captions"}
USER_KEYS = {
    "name",
    "title",
    "description",
    "note",
    "unit_name",
    "owner_name",
    "author_name",
    "cycle_name",
    "objective_title",
    "kr_title",
    "parent_title",
    "parent_kr_title",
    "unit_label",
    "reason",
    "reflection",
    "score_reason",
    "email",
    "company_name",
    "path",
    "subject",
    "advice",
    "flag_note",
}
"""Keys and attributes that hold text a person typed (``row["title"]``, ``scope.unit_name``)."""
ESCAPERS = {"escape_markdown"}
"""The call that makes its argument safe for Markdown."""
LABELLED = {"number": 2, "target_text": 1}
"""Formatters that append a unit label (user text) when given one: ``badges.number(x, label)``
and ``kpi_charts.target_text(kpi)`` escape it with ``markdown=True``."""
NOT_SHOWN = {"isna", "notna", "isnull", "notnull", "len", "bool", "int", "float"}
"""Calls that read a field without showing it (``pd.isna(row["owner_name"])``)."""


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _unescaped_user_text(expr: ast.AST) -> list[str]:
    """The user-text fields ``expr`` reads outside an escaping call."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            if name in ESCAPERS or name in NOT_SHOWN:
                return
            if name in LABELLED and not any(k.arg == "markdown" for k in node.keywords):
                if len(node.args) >= LABELLED[name]:
                    found.append(f"{name}(): a unit label without markdown=True")
                return
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value in USER_KEYS:
            found.append(f"[{node.slice.value!r}]")
        elif isinstance(node, ast.Attribute) and node.attr in USER_KEYS and isinstance(node.ctx, ast.Load):
            found.append(f".{node.attr}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(expr)
    return found


def _texts(call: ast.Call) -> list[ast.AST]:
    """The arguments of a sink call that Streamlit renders as Markdown."""
    return [*call.args[:1], *(k.value for k in call.keywords if k.arg in MARKDOWN_KEYWORDS)]


def unescaped_sinks() -> list[str]:
    problems = []
    for path in FILES:
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(), rel)
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and _call_name(call.func) in SINKS):
                continue
            for arg in _texts(call):
                for text in ast.walk(arg):
                    if isinstance(text, ast.FormattedValue):
                        for field in _unescaped_user_text(text.value):
                            problems.append(f"{rel}:{text.lineno} {_call_name(call.func)}: {field}")
    return problems


def test_the_scan_reads_the_pages_and_finds_what_it_looks_for():
    assert len(FILES) >= 10, FILES
    sample = ast.parse("st.caption(f\"{row['title']} · {escape_markdown(row['name'])}\")")
    call = sample.body[0].value
    assert [
        f
        for a in _texts(call)
        for t in ast.walk(a)
        if isinstance(t, ast.FormattedValue)
        for f in _unescaped_user_text(t.value)
    ] == ["['title']"]


def test_escape_markdown_shows_a_name_as_typed_on_one_line():
    name = "R&amp;D *bold* [link](http://x) <b>x</b> $x$ :red[x]\n  next line"
    assert escape_markdown(name) == (r"R\&amp;D \*bold\* \[link\]\(http\://x\) \<b\>x\</b\> \$x\$ \:red\[x\] next line")
    assert escape_markdown(None) == "" and escape_markdown(12.5) == r"12\.5"


def test_escape_markdown_with_lines_keeps_the_lines_and_paragraphs_a_person_typed():
    """Each line escaped as a name is, joined by a hard line break; blank lines make one paragraph
    break; indentation goes, so no line becomes a code block."""
    note = "We learnt *two* things:\r\n- churn is seasonal\n      - pricing is not\n\n \n\n    Next: ask R&amp;D\n"
    assert escape_markdown(note, lines=True) == (
        r"We learnt \*two\* things\:" + "  \n" + r"\- churn is seasonal" + "  \n" + r"\- pricing is not"
        "\n\n" + r"Next\: ask R\&amp;D"
    )
    assert escape_markdown("one line", lines=True) == escape_markdown("one line") == "one line"


@pytest.mark.slow
def test_no_user_text_reaches_markdown_unescaped():
    problems = unescaped_sinks()
    assert not problems, "route these through escape_markdown (ui.badges):\n" + "\n".join(problems)

"""Reading the project's own source as syntax trees, for the tests that check its shape
(one escaping path, spreadsheet writers through the neutraliser, and the like)."""

from __future__ import annotations

import ast


def dotted(node: ast.AST) -> str:
    """The dotted name a node spells (``badges.escape_markdown``), or "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""

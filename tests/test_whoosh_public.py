"""Whoosh through its public surface only: no name of Whoosh that begins with ``_`` is
imported or read anywhere in the project."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import whoosh

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for folder in ("search", "ingest", "web", "eventsearch", "bench", "tests",
                            "scripts") for p in (ROOT / folder).rglob("*.py")]


def _whoosh_private_names() -> set[str]:
    """Every ``_name`` (not ``__dunder__``) Whoosh's sources define or use."""
    names = set()
    for path in Path(whoosh.__file__).parent.rglob("*.py"):
        names.update(re.findall(r"\b(_[A-Za-z]\w*)", path.read_text(encoding="utf-8")))
    return {n for n in names if not n.endswith("__")}


def test_no_private_name_of_whoosh_is_used():
    private = _whoosh_private_names()
    assert "_read_data" in private  # the check sees Whoosh's internals
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                found += [f"{path.name}: from {node.module} import {a.name}"
                          for a in node.names if a.name.startswith("_")]
                if any(part.startswith("_") for part in node.module.split(".")):
                    found.append(f"{path.name}: from {node.module}")
            elif isinstance(node, ast.Attribute) and node.attr in private:
                owner = node.value.id if isinstance(node.value, ast.Name) else None
                if owner not in ("self", "cls"):  # our own classes' attributes
                    found.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert not found, found

"""Architecture invariants that a test can guard."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "server" / "rocm_lsp" / "core"
FORBIDDEN = {"pygls", "lsprotocol", "asyncio", "subprocess", "torch"}


def test_core_imports_nothing_editor_or_process_related() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_core_never_evals() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in ("eval", "exec", "compile", "__import__"):
                    offenders.append(f"{path.name}:{node.lineno} {node.func.id}")
            if isinstance(node, ast.Attribute) and node.attr in ("sympify", "parse_expr"):
                offenders.append(f"{path.name}:{node.lineno} {node.attr}")
    assert offenders == []

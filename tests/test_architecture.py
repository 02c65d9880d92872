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


def test_no_module_outside_the_registry_compares_profile_names() -> None:
    """Version-specific behaviour lives in the Profile objects (core/profiles/): nothing else
    compares a profile name (``== "rocm-2.13"``, ``in ("seed", …)``, ``match``)."""
    from rocm_lsp.core.profiles import all_names

    names = set(all_names())
    package = CORE.parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if CORE / "profiles" in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                for operand in operands:
                    many = isinstance(operand, (ast.Tuple, ast.List, ast.Set))
                    for e in operand.elts if many else [operand]:
                        if isinstance(e, ast.Constant) and e.value in names:
                            offenders.append(f"{path.relative_to(package)}:{node.lineno}: {e.value!r}")
            elif isinstance(node, ast.MatchValue) and isinstance(node.value, ast.Constant):
                if node.value.value in names:
                    offenders.append(f"{path.relative_to(package)}:{node.lineno}: case {node.value.value!r}")
    # Inductor's KernelArgs.size() special-cases the symbol named "seed" (the RNG seed offset)
    assert offenders == ["core/kernel_args.py:22: 'seed'"]

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
    """Version-specific behaviour lives in the Profile objects (core/model/profiles/): nothing else
    compares a profile name (``== "rocm-2.13"``, ``in ("seed", …)``, ``match``)."""
    from rocm_lsp.core.model.profiles import all_names

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
    assert offenders == ["core/model/kernel_args.py:22: 'seed'"]


# What each part of the core must never import (its package docstring says the same).
NEVER = {
    "rules": ("jinja2", "sympy", "rocm_lsp.core.model", "rocm_lsp.core.engine", "rocm_lsp.core.pymodules",
              "rocm_lsp.core.features", "rocm_lsp.core.workspace", "rocm_lsp.lsp", "pygls", "lsprotocol"),
    "model": ("jinja2", "rocm_lsp.core.engine", "rocm_lsp.core.pymodules", "rocm_lsp.core.features",
              "rocm_lsp.core.workspace", "rocm_lsp.lsp", "pygls", "lsprotocol"),
    "engine": ("rocm_lsp.core.features", "rocm_lsp.core.workspace", "rocm_lsp.lsp", "pygls", "lsprotocol"),
    "pymodules": ("rocm_lsp.core.features", "rocm_lsp.core.workspace", "rocm_lsp.lsp", "pygls", "lsprotocol"),
    "features": ("rocm_lsp.core.workspace", "rocm_lsp.lsp", "pygls", "lsprotocol"),
    "workspace": ("rocm_lsp.lsp", "pygls", "lsprotocol"),
}  # fmt: skip


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)] + [
                (node.lineno, f"{node.module}.{a.name}") for a in node.names
            ]
    return found


def test_each_part_of_the_core_keeps_its_never_arrows() -> None:
    offenders = []
    for part, banned in NEVER.items():
        for path in sorted((CORE / part).rglob("*.py")):
            for line, name in _imports(path):
                if any(name == b or name.startswith(b + ".") for b in banned):
                    offenders.append(f"{path.relative_to(CORE)}:{line}: {name}")
    assert offenders == []


def test_features_never_open_files() -> None:
    """Features work on the text they are given (the workspace reads files)."""
    offenders = []
    for path in sorted((CORE / "features").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            call = node.func if isinstance(node, ast.Call) else None
            name = (
                call.id
                if isinstance(call, ast.Name)
                else call.attr
                if isinstance(call, ast.Attribute)
                else ""
            )
            if name in ("open", "read_text", "read_bytes", "write_text", "write_bytes"):
                offenders.append(f"{path.relative_to(CORE)}:{node.lineno}: {name}")
    assert offenders == []


# The core's OS-level pieces: the render's containment and the workspace (files, caches).
OS_MODULES = {"engine/render_process.py", "engine/budget.py", "workspace"}
OS_IMPORTS = {"os", "socket", "threading", "ctypes", "signal", "resource", "multiprocessing", "tempfile",
              "shutil", "mmap", "fcntl", "select"}  # fmt: skip


def test_only_the_containment_and_the_workspace_touch_the_os() -> None:
    """Elsewhere the core computes on text; ``os`` only to read a tuning knob from the environment."""
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE).as_posix()
        if rel in OS_MODULES or rel.split("/")[0] in OS_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, name in _imports(path):
            if name.split(".")[0] in OS_IMPORTS and name != "os":
                offenders.append(f"{rel}:{line}: import {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
                if node.attr != "environ":
                    offenders.append(f"{rel}:{node.lineno}: os.{node.attr}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                offenders.append(f"{rel}:{node.lineno}: open()")
    assert offenders == []


def test_editor_features_get_a_finished_analysis() -> None:
    """Features run on the event loop: they read an analysis, never render or analyse themselves."""
    engine = "rocm_lsp.core.engine."
    banned = tuple(engine + m for m in ("render", "render_process", "budget", "analysis.analyze", "line_map"))
    offenders = []
    for path in sorted((CORE / "features").rglob("*.py")):
        for line, name in _imports(path):
            if any(name == b or name.startswith(b + ".") for b in banned):
                offenders.append(f"{path.name}:{line}: {name}")
    analysis = (CORE / "engine" / "analysis.py").read_text(encoding="utf-8")
    methods = analysis[
        analysis.index("class Analysis") : analysis.index("\n\n\n", analysis.index("class Analysis"))
    ]
    assert "render(" not in methods, "Analysis methods must not render (hover calls them on the event loop)"
    assert offenders == []


LSP = CORE.parent / "lsp"
# lsprotocol classes called outside convert.py, by module: the server's own plumbing (the
# `$/progress` payloads of run_with_progress, its log_warning) and the JSON-RPC protocol's errors.
LSP_PLUMBING = {
    "server.py": {
        "WorkDoneProgressBegin",
        "WorkDoneProgressReport",
        "WorkDoneProgressEnd",
        "LogMessageParams",
    },
    "protocol.py": {"ResponseError"},
}


def _lsprotocol_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted lsprotocol name it stands for (``lsp`` -> ``lsprotocol.types``)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "lsprotocol":
                    names[a.asname or "lsprotocol"] = a.name if a.asname else "lsprotocol"
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lsprotocol":
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def _dotted(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return inner + [node.attr] if inner else []
    return []


def _resolve(dotted: str) -> object:
    """The object ``a.b.C`` names: the longest importable module, then attributes."""
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            target = getattr(target, attr, None)
        return target
    return None


def test_only_convert_builds_lsp_types() -> None:
    """A call of an lsprotocol class (``lsp.Hover(…)``, ``ResponseError(…)``) builds an LSP type.
    In ``lsp/`` that happens in ``convert.py``; elsewhere only inside the arguments of a
    ``.feature(…)`` call (a handler's registration options) and in ``LSP_PLUMBING``."""
    offenders = []
    for path in sorted(LSP.rglob("*.py")):
        if path == LSP / "convert.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _lsprotocol_names(tree)
        options = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "feature"
            for arg in [*node.args, *(k.value for k in node.keywords)]
            for inner in ast.walk(arg)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in options:
                continue
            parts = _dotted(node.func)
            if not parts or parts[0] not in names:
                continue
            target = _resolve(".".join([names[parts[0]], *parts[1:]]))
            name = parts[-1]
            if isinstance(target, type) and name not in LSP_PLUMBING.get(path.name, set()):
                offenders.append(f"{path.relative_to(LSP)}:{node.lineno}: {name}")
    assert offenders == []

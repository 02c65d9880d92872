"""Inductor's Python template modules rendered with real torch, on request: the ROCm template
classes a module defines (found statically), the worker run (``py_render_worker.py`` in the
user's torch interpreter, a separate process with a timeout), and its answer mapped back onto
the module: each generated line's ``.py`` line, and a failure as an RL408 finding on the line
of the template string or Python call that raised."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rocm_lsp.core.diagnostics import Diagnostic, make
from rocm_lsp.core.pymodules.module_model import Module
from rocm_lsp.core.pymodules.render_map import RenderMap
from rocm_lsp.core.text import LineIndex, Span
from rocm_lsp.core.workspace.config import GpuSettings
from rocm_lsp.core.workspace.files import user_cache_dir
from rocm_lsp.gpu import bench, child
from rocm_lsp.gpu.compile import CompilerMessage, CompileState, compile_source
from rocm_lsp.gpu.toolchain import NoToolchain, discover

WORKER = Path(__file__).resolve().parent / "py_render_worker.py"
# The classes every ROCm template derives from (torch/_inductor/codegen/rocm/): a class whose
# bases lead to one of these, in its module, and that lists choices (gen_ops) can be rendered.
TEMPLATE_ROOTS = frozenset({"ROCmTemplate", "CKTemplate", "CKTileTemplate"})
PROBLEM_KEYS = {"op": str, "M": int, "N": int, "K": int, "B": int, "dtype": str, "layout": str}


@dataclass(frozen=True)
class TemplateClass:
    name: str
    span: Span  # its name in the class statement


@dataclass
class PyRender:
    ok: bool
    message: str  # one line: what was rendered, or why not
    answer: dict[str, Any] = field(default_factory=dict)  # the worker's JSON
    source: str | None = None  # the generated C++, exactly as torch produced it
    py_lines: list[int | None] = field(default_factory=list)  # per generated line, its .py line
    diagnostics: list[Diagnostic] = field(default_factory=list)  # RL408 on the module


def template_classes(text: str) -> list[TemplateClass]:
    """The renderable ROCm template classes of a module: deriving (through classes of the
    module) from a ROCm template root, and defining ``gen_ops``, or inheriting it from a class
    of the module that does."""
    mod = Module(text, "<module>")
    found = []

    def derives(name: str, seen: frozenset[str]) -> bool:
        cls = mod.classes.get(name)
        if cls is None or name in seen:
            return False
        return any(b in TEMPLATE_ROOTS or derives(b, seen | {name}) for b in cls.bases)

    def lists(name: str, seen: frozenset[str]) -> bool:
        cls = mod.classes.get(name)
        if cls is None or name in seen:
            return False
        return "gen_ops" in cls.methods or any(lists(b, seen | {name}) for b in cls.bases)

    for name in mod.classes:
        if derives(name, frozenset()) and lists(name, frozenset()):
            start = text.find(f"class {name}")
            span = Span(start + 6, start + 6 + len(name)) if start >= 0 else Span(0, 0)
            found.append(TemplateClass(name, span))
    return found


def parse_problem(text: str) -> dict[str, Any]:
    """``op=addmm,M=2048,dtype=float16`` as the worker's problem (ValueError says what is wrong)."""
    problem: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        kind = PROBLEM_KEYS.get(key.strip())
        if not sep or kind is None:
            raise ValueError(f"{item!r}: expected KEY=VALUE with KEY one of {', '.join(PROBLEM_KEYS)}")
        try:
            problem[key.strip()] = kind(value.strip())
        except ValueError:
            raise ValueError(f"{key.strip()} needs a whole number, got {value.strip()!r}") from None
    return problem


def checkout_of(path: Path) -> Path | None:
    """The PyTorch checkout ``path`` lies in (a folder with ``torch/`` and ``setup.py``)."""
    for folder in path.resolve().parents:
        if (folder / "torch" / "__init__.py").is_file() and (folder / "setup.py").is_file():
            return folder
    return None


def render_py(
    path: Path,
    text: str,
    class_name: str,
    gpu: GpuSettings | None = None,
    problem: dict[str, Any] | None = None,
    choice: int | str | None = None,
    list_only: bool = False,
    test_runner: bool = False,
    cancel: threading.Event | None = None,
    hint: str = "set rocmLsp.benchmarkInterpreter to a Python with torch installed",
) -> PyRender:
    """Render ``class_name`` of the module ``text`` (at ``path``) with the benchmark
    interpreter's torch; never raises for what torch or the module do."""
    gpu = gpu or GpuSettings()
    interpreter = gpu.benchmark_interpreter or sys.executable
    problem_text = bench.torch_problem(interpreter, hint)
    if problem_text is not None:
        return PyRender(False, f"not rendered: {problem_text}")
    checkout = checkout_of(path)
    request = {
        "version": 1,
        "path": str(path.resolve()),
        "source": text,
        "module": None,
        "checkout": str(checkout) if checkout else None,
        "class": class_name,
        "problem": problem or {},
        "choice": choice,
        "list": list_only,
        "arch": gpu.arch if gpu.arch and gpu.arch.startswith("gfx") else "gfx942",
        "cache_dir": str(user_cache_dir("inductor")),
        "test_runner": test_runner,
    }
    try:
        done = child.run([interpreter, str(WORKER)], gpu.benchmark_timeout, cancel, stdin=json.dumps(request))
    except OSError as exc:
        return PyRender(False, f"not rendered: cannot start {interpreter}: {exc}")
    if done.stopped:
        why = "cancelled" if done.stopped == "cancelled" else f"no answer within {gpu.benchmark_timeout:g} s"
        return PyRender(False, f"not rendered: {why}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    try:
        answer = json.loads(lines[-1]) if lines else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        err = done.stderr.strip().splitlines()
        tail = err[-1][:300] if err else "no output"
        return PyRender(
            False, f"not rendered: the worker gave no answer ({done.describe_exit('it')}): {tail}"
        )
    return _outcome(path, text, class_name, answer)


def _outcome(path: Path, text: str, class_name: str, answer: dict[str, Any]) -> PyRender:
    mapping = RenderMap(text, str(path))
    if not answer.get("ok"):
        finding = make(
            "RL408",
            f"{class_name}: {answer.get('error')}",
            _failure_span(path, text, class_name, answer, mapping),
        )
        return PyRender(
            False,
            f"not rendered ({answer.get('stage')}): {answer.get('error')}",
            answer,
            diagnostics=[finding],
        )
    count = answer.get("choice_count", 0)
    notes = "; ".join(answer.get("notes") or [])
    if answer.get("source") is None:
        message = f"{class_name}: {count} choice{'s' * (count != 1)} for {_describe(answer.get('problem'))}"
        return PyRender(count > 0, message + (f" ({notes})" if notes else ""), answer)
    source = str(answer["source"])
    py_lines = mapping.lines(answer.get("templates") or {}, answer.get("lines") or [])
    name = next((c["name"] for c in answer.get("choices", []) if c["index"] == answer.get("choice")), "")
    problem = _describe(answer.get("problem"))
    message = (
        f"{class_name} choice {answer.get('choice')} of {count} ({name}) for {problem}, "
        f"torch {answer.get('torch')}: {source.count(chr(10)) + 1} lines"
    )
    return PyRender(True, message, answer, source, py_lines)


def _describe(problem: Any) -> str:
    if not isinstance(problem, dict):
        return "the default problem"
    if problem.get("op") == "conv2d":
        return f"{problem.get('dtype')} conv2d"
    sizes = " ".join(f"{k}={problem.get(k)}" for k in ("M", "N", "K"))
    return f"{problem.get('dtype')} {problem.get('op')} {sizes}"


def _failure_span(path: Path, text: str, class_name: str, answer: dict[str, Any], mapping: RenderMap) -> Span:
    """Where a failure belongs in the module: the template string's line (a Jinja error), else
    the innermost frame in this file (the Python call that raised), else the class name."""
    index = LineIndex(text)
    template = answer.get("template") or {}
    source = (answer.get("templates") or {}).get(template.get("id"))
    line = mapping.py_line(source, int(template["line"])) if source and template.get("line") else None
    if line is None:
        mine = str(path.resolve())
        frames = [
            f for f in answer.get("frames") or [] if f.get("file") == mine and isinstance(f.get("line"), int)
        ]
        line = frames[-1]["line"] if frames else None
    if line is not None and 1 <= line <= index.line_count:
        return _line(text, index, line)
    found = next((c.span for c in template_classes(text) if c.name == class_name), None)
    return found or Span(0, 0)


def compile_preview(
    path: Path,
    text: str,
    class_name: str,
    rendered: PyRender,
    gpu: GpuSettings | None = None,
    cancel: threading.Event | None = None,
) -> tuple[str, list[Diagnostic]]:
    """Compile a preview's generated C++ (device code only: ``--check-only``) for the ``arch``
    setting (default gfx942) and put the compiler's messages on the module's lines: (a
    summary, RL401/RL402 at the ``.py`` line each generated line came from, RL403 when this
    machine cannot build it — Composable Kernel's headers are not installed, say)."""
    gpu = gpu or GpuSettings()
    at_class = next((c.span for c in template_classes(text) if c.name == class_name), Span(0, 0))
    if rendered.source is None:
        return "not compiled: nothing was rendered", []
    try:
        tool = discover(gpu.compiler, gpu.arch or "gfx942", True)
    except NoToolchain as exc:
        return f"not compiled: {exc}", [make("RL403", str(exc), at_class)]
    name = f"{class_name}.hip.cpp"  # the name compiler messages carry
    result = compile_source(
        rendered.source, name, tool, check_only=True, timeout=gpu.compile_timeout, cancel=cancel
    )
    if result.state is CompileState.SKIPPED:
        return f"not compiled: {result.note}", [make("RL403", f"{class_name}: {result.note}", at_class)]
    found = [_on_module(text, rendered.py_lines, msg, name, at_class) for msg in result.messages]
    if not result.ok and not found:
        found.append(make("RL404", f"{class_name}: {result.note or 'the compiler failed'}", at_class))
    errors = sum(1 for d in found if d.code in ("RL401", "RL404"))
    verdict = f"{errors} error(s)" if errors else "compiled"
    return f"{verdict}: {tool.describe()}", found


def _on_module(
    text: str, py_lines: list[int | None], msg: CompilerMessage, name: str, at_class: Span
) -> Diagnostic:
    """A compiler message on the generated file, placed on the module line that line came from."""
    code = "RL401" if msg.severity == "error" else "RL402"
    line = py_lines[msg.line - 1] if msg.file.endswith(name) and 0 < msg.line <= len(py_lines) else None
    where = f"generated line {msg.line}" if msg.file.endswith(name) else f"{msg.file}:{msg.line}"
    index = LineIndex(text)
    if line is None or not 1 <= line <= index.line_count:
        return make(code, f"{where}: {msg.message}", at_class)
    return make(code, f"{msg.message} ({where})", _line(text, index, line))


def _line(text: str, index: LineIndex, line: int) -> Span:
    """The 1-based ``line`` from its first non-blank character to its end."""
    span = index.line_span(line - 1)
    row = text[span.start : span.end]
    return Span(span.start + len(row) - len(row.lstrip()), span.end)

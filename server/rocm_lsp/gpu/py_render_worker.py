"""Render one of Inductor's ROCm template classes with real torch: run by the user's torch
interpreter, never by the server (which never imports torch), and only when the user asks.

Usage (the server runs this file by path; it imports only the standard library, torch and
jinja2, which torch brings)::

    PYTHON path/to/py_render_worker.py < request.json     # one request, one JSON answer
    PYTHON path/to/py_render_worker.py --serve            # one request per stdin line

Request: ``{"version": 1, "path": "…/ck_universal_gemm_template.py", "source": "<its text>"
or null, "module": dotted name or null (from the path), "checkout": a PyTorch checkout's root
or null, "class": "CKGemmTemplate", "problem": {"op": "addmm", "M": …, "N": …, "K": …, "B": …,
"dtype": "float16", "layout": "rcr"}, "choice": index or name fragment or null, "arch":
"gfx942", "cache_dir": where Inductor may write, "test_runner": false}``.

The module is the request's ``source`` executed under its real dotted name over the installed
torch (so an edit, saved or not, is what renders), or torch's own module when ``source`` is
null; a checkout whose ``torch/_C`` extension is built is imported instead of the installed
torch. The template is built for the problem the way ``torch/_inductor/kernel/mm.py``,
``bmm.py`` and ``conv.py`` build it, ``gen_ops()`` lists the choices, and the chosen one is
rendered by ``template.generate(…)``: the answer's ``source`` is the benchmark request's
source code, the file Inductor compiles. Every Jinja render on the way is recorded chunk by
chunk, so each output line carries the template string and line that produced it
(``lines``: ``[template id, line]`` or null per output line; ``templates``: id → text).

Answer: ``{"ok": true, "torch": …, "choices": [{"index", "name"}], "choice", "kernel_name",
"source", "lines", "templates", "notes"}``, or ``{"ok": false, "stage": "request" | "import" |
"construct" | "gen_ops" | "render", "error": …, "frames": [{"file", "line", "function"}],
"template": {"id", "line"} or null, "templates"}``.
"""

from __future__ import annotations

import glob
import importlib
import importlib.util
import json
import os
import sys
import time
import traceback
import warnings
from typing import Any

PROTOCOL_VERSION = 1
MAX_CHOICES_LISTED = 5000
DEFAULT_PROBLEM = {"M": 1024, "N": 1024, "K": 1024, "B": 4}
# The op each class is built for by default, and its dtype: CK-tile's fp16 instances are all
# rejected by torch 2.13-2.15 (its dtype table says "F16", its instances "FP16"), so bf16.
CLASS_DEFAULTS = {
    "CKGemmTemplate": {"op": "addmm", "dtype": "float16", "layout": "rcr"},
    "CKTileGemmTemplate": {"op": "mm", "dtype": "bfloat16", "layout": "rrr"},
    "CKGroupedConvFwdTemplate": {"op": "conv2d", "dtype": "float16"},
}


class RenderError(Exception):
    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage


# -- recording Jinja renders ------------------------------------------------------------


class Recorder:
    """Every ``jinja2.Template.render`` of the process: its template's text and, chunk by
    chunk, the output with the template line that produced it."""

    def __init__(self) -> None:
        self.templates: dict[str, str] = {}  # id -> template text
        self.renders: list[tuple[str, list[tuple[str, int]]]] = []  # (id, [(chunk, line)])
        self.installed = False

    def install(self) -> None:
        import jinja2

        if self.installed:
            return
        self.installed = True
        recorder = self
        original_from_string = jinja2.Environment.from_string

        def from_string(env: Any, source: Any, *args: Any, **kwargs: Any) -> Any:
            template = original_from_string(env, source, *args, **kwargs)
            if isinstance(source, str):
                template._rocm_lsp_id = recorder.template_id(source)  # type: ignore[attr-defined]
            return template

        def render(template: Any, *args: Any, **kwargs: Any) -> str:
            ident = getattr(template, "_rocm_lsp_id", None)
            if ident is None:
                return original_render(template, *args, **kwargs)
            chunks: list[tuple[str, int]] = []
            context = template.new_context(dict(*args, **kwargs))
            try:
                generator = template.root_render_func(context)
                for chunk in generator:
                    frame = generator.gi_frame
                    line = template.get_corresponding_lineno(frame.f_lineno) if frame is not None else 0
                    chunks.append((str(chunk), line))
            except Exception:  # noqa: BLE001 - Jinja's own rewrite: the traceback gets <template> frames
                return template.environment.handle_exception()
            recorder.renders.append((ident, chunks))
            return "".join(c for c, _ in chunks)

        original_render = jinja2.Template.render
        setattr(jinja2.Environment, "from_string", from_string)  # noqa: B010 - patched for every render
        setattr(jinja2.Template, "render", render)  # noqa: B010

    def template_id(self, source: str) -> str:
        for ident, text in self.templates.items():
            if text == source:
                return ident
        ident = f"t{len(self.templates)}"
        self.templates[ident] = source
        return ident

    def reset(self) -> None:
        self.renders.clear()

    def provenance(self, text: str) -> list[list[Any] | None]:
        """Per line of ``text``: [template id, template line] of its first visible character,
        traced through renders nested in renders (a chunk that is another render's output), or
        None where no render produced it (text added in Python)."""
        outputs: list[tuple[str, list[Segment]]] = []
        for ident, chunks in self.renders:
            source = self.templates[ident]
            segments: list[Segment] = []
            offset = 0
            for chunk, line in chunks:
                nested = _holder(outputs, chunk)
                if nested is not None:
                    at, held = nested
                    end = at + len(chunk)
                    segments += [seg.moved(offset - at) for seg in held if seg.end > at and seg.start < end]
                else:
                    static = _static_at(source, chunk, line)
                    segments.append(Segment(offset, offset + len(chunk), ident, line, static))
                offset += len(chunk)
            outputs.append(("".join(c for c, _ in chunks), segments))
        placed = next(
            ((text.find(out), segs) for out, segs in reversed(outputs) if out and out in text), None
        )
        lines: list[list[Any] | None] = []
        start = 0
        for row in text.split("\n"):
            visible = start + (len(row) - len(row.lstrip()) if row.strip() else 0)
            where = None
            if placed is not None:
                at, segments = placed
                inside = [seg for seg in segments if seg.holds(visible - at)]
                where = inside[0].at(visible - at, self.templates) if inside else None
            lines.append(where)
            start += len(row) + 1
        return lines


class Segment:
    """Output characters [start, end) of a render, from template ``ident``: verbatim template
    text at offset ``static`` of its source (each line its own), else the expression on ``line``."""

    def __init__(self, start: int, end: int, ident: str, line: int, static: int | None) -> None:
        self.start, self.end, self.ident, self.line, self.static = start, end, ident, line, static

    def moved(self, by: int) -> Segment:
        return Segment(self.start + by, self.end + by, self.ident, self.line, self.static)

    def holds(self, offset: int) -> bool:
        return self.start <= offset < self.end

    def at(self, offset: int, templates: dict[str, str]) -> list[Any]:
        if self.static is None:
            return [self.ident, self.line]
        return [self.ident, templates[self.ident].count("\n", 0, self.static + offset - self.start) + 1]


def _static_at(source: str, chunk: str, line: int) -> int | None:
    """Where ``chunk`` is verbatim in the template ``source``, searched from the line before
    ``line`` (the line Jinja gives a piece of template data), or None (an expression's value)."""
    if not chunk.strip():
        return None
    begin = 0
    for _ in range(max(0, line - 2)):
        begin = source.find("\n", begin) + 1
        if begin == 0:
            return None
    found = source.find(chunk, begin)
    return found if found >= 0 else None


def _holder(outputs: list[tuple[str, list[Segment]]], chunk: str) -> tuple[int, list[Segment]] | None:
    """The latest earlier render whose output holds all of ``chunk`` (a chunk that is, or is a
    multi-line piece of, a nested render's output): (the chunk's offset in it, its segments)."""
    if len(chunk) < 2:
        return None
    for output, segments in reversed(outputs):
        at = output.find(chunk)
        if at >= 0 and (output == chunk or "\n" in chunk):
            return at, segments
    return None


RECORDER = Recorder()


# -- the module and the template --------------------------------------------------------


def module_name(path: str) -> str:
    """``torch._inductor.codegen.rocm.ck_template`` from a path inside ``torch/``."""
    parts = os.path.normpath(path).split(os.sep)
    if "torch" not in parts:
        raise RenderError(f"{path} is not inside a torch package or checkout", "request")
    index = len(parts) - 1 - parts[::-1].index("torch")
    return ".".join(parts[index:])[: -len(".py")]


def checkout_root(request: dict[str, Any]) -> str | None:
    """The request's checkout, when its ``torch/_C`` extension is built (importable)."""
    root = request.get("checkout")
    if root and glob.glob(os.path.join(root, "torch", "_C*.so")):
        return str(root)
    return None


def load(request: dict[str, Any]) -> tuple[Any, Any]:
    """(torch, the module): torch from the built checkout or installed, the module from the
    request's source when given."""
    root = checkout_root(request)
    if root is not None and root not in sys.path:
        sys.path.insert(0, root)
    try:
        import torch
    except ImportError as exc:
        raise RenderError(f"torch cannot be imported by {sys.executable}: {exc}", "import") from None
    RECORDER.install()
    name = request.get("module") or module_name(request["path"])
    parent = name.rpartition(".")[0]
    importlib.import_module(parent)
    source = request.get("source")
    if source is None:
        return torch, importlib.import_module(name)
    spec = importlib.util.spec_from_loader(name, loader=None, origin=request["path"])
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = request["path"]
    module.__package__ = parent
    sys.modules[name] = module
    code = compile(source, request["path"], "exec")
    exec(code, module.__dict__)  # the module the user asked to render, as torch would import it
    return torch, module


def _configure(request: dict[str, Any]) -> Any:
    from torch._inductor import config

    rocm = config.rocm
    rocm.rocm_home = rocm.rocm_home or "/opt/rocm"  # only for the compile command's text
    rocm.ck_dir = rocm.ck_dir or os.path.join(rocm.rocm_home, "composable_kernel")
    rocm.arch = [request.get("arch") or "gfx942"]
    rocm.ck_max_profiling_configs = None  # every choice, not Inductor's random sample
    rocm.ck_tile_max_profiling_configs = None
    rocm.generate_test_runner = bool(request.get("test_runner"))
    return config


def problem_of(class_name: str, asked: dict[str, Any]) -> dict[str, Any]:
    problem = {**DEFAULT_PROBLEM, **CLASS_DEFAULTS.get(class_name, {"op": "mm", "dtype": "float16"})}
    problem.update({k: v for k, v in asked.items() if v is not None})
    return problem


def build(torch: Any, cls: Any, problem: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(template, op -> generate()'s keyword arguments, op -> name), for ``problem``."""
    from torch._inductor import ir
    from torch._inductor.virtualized import V

    dtype = getattr(torch, str(problem["dtype"]), None)
    if not isinstance(dtype, torch.dtype):
        raise RenderError(f"unknown dtype {problem['dtype']!r}", "request")
    M, N, K, B = (int(problem[k]) for k in ("M", "N", "K", "B"))
    device = torch.device("cuda", 0)

    def node(name: str, size: tuple[int, ...], stride: tuple[int, ...]) -> Any:
        buffer = ir.InputBuffer(name=name, layout=ir.FixedLayout(device, dtype, list(size), list(stride)))
        V.graph.graph_inputs[name] = ir.TensorBox.create(buffer)
        V.graph.graph_input_names.append(name)
        return buffer

    def layout(size: tuple[int, ...], stride: tuple[int, ...]) -> Any:
        return ir.FixedLayout(device, dtype, list(size), list(stride))

    op = problem["op"]
    w_col = str(problem.get("layout", "rrr"))[1:2] == "c"
    name = cls.__name__
    if op == "conv2d":
        n, c, h, w, k = 2, 64, 56, 56, 128
        x = node("x", (n, c, h, w), (c * h * w, 1, w * c, c))  # channels-last: CK's NHWGC
        weight = node("weight", (k, c, 3, 3), (c * 9, 1, 3 * c, c))
        out = layout((n, k, h, w), (k * h * w, 1, w * k, k))
        template = cls(
            [x, weight], out, stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=1, n_spatial_dimensions=2
        )
        return template, lambda o: {"op": o}, lambda o: o.name()
    if op == "bmm":
        X = node("mat1", (B, M, K), (M * K, K, 1))
        W = node("mat2", (B, K, N), (K * N, 1, K) if w_col else (K * N, N, 1))
        nodes, out = [X, W], layout((B, M, N), (M * N, N, 1))
    else:
        X = node("mat1", (M, K), (K, 1))
        W = node("mat2", (K, N), (1, K) if w_col else (N, 1))
        nodes, out = [X, W], layout((M, N), (N, 1))
        if op == "addmm":
            nodes = [X, W, node("inp", (M, N), (0, 1))]  # a bias row broadcast over M
        elif op != "mm":
            raise RenderError(f"unknown op {op!r}: mm, addmm, bmm or conv2d", "request")
    if name == "CKGemmTemplate":
        extra = (
            {"alpha": 1, "beta": 1, "input_reorder": [2, 0, 1]} if op == "addmm" else {"alpha": 1, "beta": 0}
        )
        template = cls(nodes, out, **extra)
        return template, lambda o: {"op": o.op, "kBatch": o.kBatch}, lambda o: o.op.name()
    if name == "CKTileGemmTemplate":
        template = cls(nodes[:2], out)
        return template, lambda o: {"op": o, "kBatch": template.k_batch_choices(o)[0]}, lambda o: o.name()
    template = cls(nodes, out)
    return template, lambda o: {"op": o}, lambda o: o.name() if hasattr(o, "name") else repr(o)


def _pick(choices: list[dict[str, Any]], wanted: Any) -> int:
    if wanted is None or wanted == "":
        return 0
    if isinstance(wanted, int) and not isinstance(wanted, bool):
        if 0 <= wanted < len(choices):
            return wanted
        raise RenderError(f"choice {wanted} is out of range: there are {len(choices)} choices", "request")
    found = [c["index"] for c in choices if str(wanted) in c["name"]]
    if not found:
        raise RenderError(f"no choice's name contains {wanted!r}", "request")
    return found[0]


def run(request: dict[str, Any]) -> dict[str, Any]:
    if request.get("version") != PROTOCOL_VERSION:
        raise RenderError(
            f"request version {request.get('version')!r}, this worker speaks {PROTOCOL_VERSION}", "request"
        )
    if request.get("cache_dir"):
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = request["cache_dir"]
    RECORDER.reset()
    stage = "import"
    torch, module = load(request)
    from torch._inductor.graph import GraphLowering
    from torch._inductor.virtualized import V

    _configure(request)
    cls = getattr(module, str(request.get("class")), None)
    if not isinstance(cls, type):
        raise RenderError(f"{module.__name__} has no class {request.get('class')!r}", "request")
    notes: list[str] = []
    try:
        import ck4inductor  # noqa: F401  # CK's Python package: CKGemmTemplate's and conv's instances
    except ImportError:
        notes.append(
            "CK's Python package ck4inductor is not importable here: CKGemmTemplate and "
            "CKGroupedConvFwdTemplate list no instances without it"
        )
    problem = problem_of(cls.__name__, request.get("problem") or {})
    answer: dict[str, Any] = {
        "ok": True,
        "torch": torch.__version__,
        "torch_path": os.path.dirname(torch.__file__),
        "class": cls.__name__,
        "problem": problem,
        "notes": notes,
    }
    with V.set_graph_handler(GraphLowering(torch.fx.symbolic_trace(lambda x: x))):
        stage = "construct"
        try:
            template, arguments, name_of = build(torch, cls, problem)
            stage = "gen_ops"
            ops = template.gen_ops()
        except RenderError:
            raise
        except Exception as exc:  # noqa: BLE001 - torch's own failure, reported with its frames
            raise _located(exc, stage) from None
        choices = [{"index": i, "name": str(name_of(o))} for i, o in enumerate(ops[:MAX_CHOICES_LISTED])]
        answer["choices"] = choices
        answer["choice_count"] = len(ops)
        if request.get("list") or not ops:
            if not ops:
                notes.append(f"{cls.__name__}.gen_ops() gave no choices for this problem")
            return answer
        index = _pick(choices, request.get("choice"))
        stage = "render"
        RECORDER.reset()
        try:
            caller = template.generate(**arguments(ops[index]))
        except Exception as exc:  # noqa: BLE001
            raise _located(exc, stage) from None
        source = caller.bmreq.source_code
        answer.update(
            choice=index,
            kernel_name=caller.bmreq.kernel_name,
            source=source,
            lines=RECORDER.provenance(source),
            templates=dict(RECORDER.templates),
        )
    return answer


class Located(RenderError):
    def __init__(
        self, message: str, stage: str, frames: list[dict[str, Any]], template: dict[str, Any] | None
    ):
        super().__init__(message, stage)
        self.frames = frames
        self.template = template


def _located(exc: BaseException, stage: str) -> Located:
    """``exc`` with the frames it went through and, for a Jinja error, the template line."""
    frames = [
        {"file": f.filename, "line": f.lineno, "function": f.name}
        for f in traceback.extract_tb(exc.__traceback__)
    ]
    template = None
    line = getattr(exc, "lineno", None)
    # a syntax error's template text: Jinja's own, or the one torch's DetailedTemplateSyntaxError wraps
    source = getattr(exc, "source", None) or getattr(getattr(exc, "original_error", None), "source", None)
    rendered = [f for f in frames if f["file"] == "<template>"]
    if rendered:
        line = rendered[-1]["line"]
    if line is not None:
        ident = RECORDER.template_id(source) if isinstance(source, str) else _latest_template(exc)
        if ident is not None:
            template = {"id": ident, "line": int(line)}
    message = f"{type(exc).__name__}: {exc}"
    return Located(message, stage, frames, template)


def _latest_template(exc: BaseException) -> str | None:
    """The template a runtime Jinja error came from: the ``self`` of the innermost render frame."""
    tb = exc.__traceback__
    found = None
    while tb is not None:
        template = tb.tb_frame.f_locals.get("template")
        ident = getattr(template, "_rocm_lsp_id", None)
        if ident is not None:
            found = ident
        tb = tb.tb_next
    return found


def answer_for(line: str | bytes) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            raise RenderError("the request must be a JSON object", "request")
        result = run(request)
    except ValueError as exc:
        result = {"ok": False, "stage": "request", "error": f"the request is not JSON: {exc}"}
    except Located as exc:
        result = {
            "ok": False,
            "stage": exc.stage,
            "error": exc.message,
            "frames": exc.frames,
            "template": exc.template,
            "templates": dict(RECORDER.templates),
        }
    except RenderError as exc:
        result = {"ok": False, "stage": exc.stage, "error": exc.message}
    except Exception as exc:  # noqa: BLE001 - every failure is an answer (a syntax error in the module too)
        located = _located(exc, "import")
        if isinstance(exc, SyntaxError) and exc.lineno is not None:
            located.frames.append({"file": exc.filename, "line": exc.lineno, "function": "<module>"})
        result = {
            "ok": False,
            "stage": located.stage,
            "error": located.message,
            "frames": located.frames,
            "template": located.template,
            "templates": dict(RECORDER.templates),
        }
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    warnings.filterwarnings("ignore")
    sys.stdout.flush()
    real_stdout = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything torch prints goes to stderr: stdout carries answers only
    sys.stdout = sys.stderr
    lines = sys.stdin if argv[:1] == ["--serve"] else [sys.stdin.read()]
    for line in lines:
        if not line.strip():
            continue
        real_stdout.write(json.dumps(answer_for(line)) + "\n")
        real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

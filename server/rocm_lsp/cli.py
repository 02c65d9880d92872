"""The ``rocm-lsp`` command line: ``render`` and ``check`` over the one core."""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator
from pathlib import Path

from rocm_lsp import __version__
from rocm_lsp.core.diagnostics import Severity
from rocm_lsp.core.workspace.config import (
    BENCHMARK_TIMEOUT_S,
    INDUCTOR_MODES,
    PROFILE_NAMES,
    SEVERITIES,
    TUNE_MAX_CONFIGURATIONS,
    GpuSettings,
    Settings,
    from_mapping,
    gpu_from_mapping,
    load_pyproject,
)
from rocm_lsp.core.workspace.files import TEMPLATE_SUFFIX

# Kept here (PROFILE_NAMES in core.config) so that `rocm-lsp serve` starts without importing the
# analysis engine; tests/test_cli.py checks they match PROFILES and FORMATS.
FORMAT_NAMES = ("concise", "full", "github", "json", "sarif")

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
OUTPUT_HELP = (
    "concise (default; findings on stdout, summary on stderr), full (with the source and the fix), "
    "github, json or sarif"
)
MAX_FIX_PASSES = 5  # check --fix: analyse and fix again until nothing changes, at most this often
TEMPLATE_HELP = f"the template (*{TEMPLATE_SUFFIX})"


@contextlib.contextmanager
def _starting(own_process: bool) -> Iterator[None]:
    """Start-up with the cyclic collector off, then on again.

    Imports and the server's constructor allocate while the objects already loaded (~50,000
    tracked ones) sit in the collected generations, and each full collection scans them all.
    Where this process is the command (``own_process``), what start-up loaded is also frozen:
    no collection scans it again, the one at exit included. Interleaved on a 2-core VM:
    initialize 415 → 366 ms (a bare pygls server: 361), a one-file ``check`` 146 → 126 ms.
    In-process callers (tests) keep their collector as it was.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if own_process:
            gc.freeze()
        if enabled:
            gc.enable()


def _non_negative_int(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 0 or more")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rocm-lsp", description="Preview and lint PyTorch Inductor ROCm kernel templates."
    )
    parser.add_argument("--version", action="version", version=f"rocm-lsp {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    check = sub.add_parser(
        "check",
        help="report findings in templates (directories recurse)",
        description="Report findings in templates and Inductor Python template modules; exit 1 at "
        "--fail-on or above.",
    )
    check.add_argument(
        "paths",
        nargs="+",
        type=Path,
        help=f"files or directories (*{TEMPLATE_SUFFIX}, *.py template modules)",
    )
    check.add_argument("--output-format", choices=FORMAT_NAMES, default="concise", help=OUTPUT_HELP)
    check.add_argument("--select", help="comma-separated codes or prefixes to report (e.g. RL2)")
    check.add_argument("--ignore", help="comma-separated codes or prefixes never to report")
    check.add_argument(
        "--fail-on",
        choices=list(SEVERITIES),
        help="exit 1 at this severity or above (default error)",
    )
    check.add_argument("--profile", choices=PROFILE_NAMES, help="override every header's profile")
    check.add_argument("--no-cache", action="store_true", help="analyse every file, ignore the check cache")
    check.add_argument(
        "--jobs",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="worker processes that share the files (default 0: one per CPU core; 1: none)",
    )
    check.add_argument(
        "--fix", action="store_true", help="apply safe fixes to templates, then report what remains"
    )
    check.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff: apply unsafe fixes too"
    )
    check.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff instead of writing them (exit 1 if there are any)",
    )
    check.add_argument(
        "--statistics", action="store_true", help="print how often each code occurs instead of the findings"
    )

    render = sub.add_parser("render", help="write the rendered C++ to stdout, byte for byte")
    render.add_argument("file", type=Path, help=TEMPLATE_HELP)
    render.add_argument("--static", action="store_true", help="substitute [shapes] first")
    render.add_argument("--profile", choices=PROFILE_NAMES, help="override the header's profile")

    comp = sub.add_parser("compile", help="render and compile a template for the GPU here")
    comp.add_argument("file", type=Path, help=TEMPLATE_HELP)
    comp.add_argument("--check-only", action="store_true", help="device code only (no GPU needed)")
    comp.add_argument("--output-format", choices=FORMAT_NAMES, default="concise", help=OUTPUT_HELP)
    comp.add_argument("--compiler", help="hipcc, nvcc or clang-22 to use (default: discovered)")
    comp.add_argument(
        "--arch", help="gfx942, gfx950, gfx90a, sm_90, … (default: the device's, else a default)"
    )
    comp.add_argument("--profile", choices=PROFILE_NAMES, help="override the header's profile")

    asm = sub.add_parser(
        "asm", help="the kernel's ISA (AMD) or PTX (NVIDIA) under the template lines (no GPU needed)"
    )
    asm.add_argument("file", type=Path, help=TEMPLATE_HELP)
    asm.add_argument("--arch", help="gfx942, gfx950, gfx90a, gfx1100, gfx1201, sm_90, … (default: gfx942)")
    asm.add_argument("--compiler", help="hipcc, nvcc or clang-22 to use (default: discovered)")
    asm.add_argument("--line", type=int, help="only the instructions of this template line (1-based)")
    asm.add_argument(
        "--output-format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    asm.add_argument("--profile", choices=PROFILE_NAMES, help="override the header's profile")

    compare = sub.add_parser(
        "compare", help="compile for several targets at once and compare registers, LDS, spills, occupancy"
    )
    compare.add_argument("file", type=Path, help=TEMPLATE_HELP)
    compare.add_argument(
        "--targets", help="comma-separated (default: [tool.rocm-lsp] targets, else gfx942,gfx950,sm_90)"
    )
    compare.add_argument(
        "--output-format", choices=("markdown", "json"), default="markdown", help="markdown (default) or json"
    )
    compare.add_argument("--profile", choices=PROFILE_NAMES, help="override the header's profile")

    bench = sub.add_parser("bench", help="compile, check against [bench].reference and time on the GPU")
    bench.add_argument("file", type=Path, help=f"{TEMPLATE_HELP} with a [bench] table")
    bench.add_argument(
        "--output-format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    bench.add_argument("--python", help="the benchmark interpreter, with torch (default: this one)")
    bench.add_argument("--compiler", help="hipcc or nvcc to use (default: discovered)")
    bench.add_argument("--arch", help="gfx90a, sm_90, … (default: the device's)")
    bench.add_argument(
        "--timeout",
        type=float,
        help=f"seconds before the worker is killed (default: [tool.rocm-lsp] benchmarkTimeout, else "
        f"{BENCHMARK_TIMEOUT_S:g})",
    )

    bench.add_argument(
        "--inductor",
        choices=INDUCTOR_MODES,
        help="torch.compile mode of the comparison, or off (default: [tool.rocm-lsp] inductor, else default)",
    )

    tune = sub.add_parser(
        "tune",
        help="benchmark every [tune] configuration, ranked against eager and Inductor",
    )
    tune.add_argument("file", type=Path, help=f"{TEMPLATE_HELP} with [tune] and [bench] tables")
    tune.add_argument(
        "--output-format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text (default), markdown or json",
    )
    tune.add_argument("--python", help="the benchmark interpreter, with torch (default: this one)")
    tune.add_argument("--compiler", help="hipcc or nvcc to use (default: discovered)")
    tune.add_argument("--arch", help="gfx90a, sm_90, … (default: the device's)")
    tune.add_argument("--timeout", type=float, help="seconds before one configuration's benchmark is killed")
    tune.add_argument(
        "--inductor", choices=INDUCTOR_MODES, help="torch.compile mode of the comparison, or off"
    )
    tune.add_argument(
        "--max-configs",
        type=int,
        help=f"try at most this many configurations, evenly sampled (default: {TUNE_MAX_CONFIGURATIONS})",
    )
    tune.add_argument("--gpus", help="comma-separated GPU indices (default: every visible GPU)")
    tune.add_argument("--jobs", type=int, help="parallel compiles (default: the CPU count)")
    tune.add_argument("--apply", action="store_true", help="write the winner into the file's [vars]")
    tune.add_argument("--profile", choices=PROFILE_NAMES, help="override the header's profile")

    render_py = sub.add_parser(
        "render-py",
        help="the C++ one of Inductor's ROCm template classes generates, rendered by real torch",
    )
    render_py.add_argument("target", help="MODULE.py::Class (the class may be left out when there is one)")
    render_py.add_argument("--python", help="the interpreter with torch that renders it (default: this one)")
    render_py.add_argument(
        "--problem",
        default="",
        help="e.g. op=addmm,M=2048,N=1024,K=512,dtype=float16,layout=rcr (ops: mm, "
        "addmm, bmm, conv2d; layout rcr: W column-major)",
    )
    render_py.add_argument("--choice", help="which op choice: its index (default 0) or a piece of its name")
    render_py.add_argument("--list", action="store_true", help="list the choices, one a line, instead")
    render_py.add_argument(
        "--compile",
        action="store_true",
        help="also compile it (device code, --arch, default gfx942): messages on .py lines",
    )
    render_py.add_argument("--compiler", help="hipcc, nvcc or clang-22 for --compile (default: discovered)")
    render_py.add_argument("--arch", help="the target of --compile (default gfx942)")
    render_py.add_argument(
        "--timeout", type=float, help="seconds before the worker is killed (default: benchmarkTimeout)"
    )

    serve = sub.add_parser(
        "serve",
        help="run the language server (stdio by default)",
        description="Run the language server on stdio, as editors start it, or on a loopback TCP port.",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on 127.0.0.1 or ::1 (port 0: any free)")
    serve.add_argument("--token-file", type=Path, help="with --tcp: the token (default: new, on stderr)")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    serve.add_argument("--log-file", type=Path, help="write the server log here")
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command line; ``argv`` None where this process is the command (``rocm-lsp``,
    ``python -m rocm_lsp``), a list where a caller (a test) runs it inside its own process."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help/--version exit 0
        return int(exc.code or 0)
    args.own_process = argv is None
    try:
        if args.command == "render":
            return _render(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "compile":
            return _compile(args)
        if args.command == "bench":
            return _bench(args)
        if args.command == "tune":
            return _tune(args)
        if args.command == "render-py":
            return _render_py(args)
        if args.command == "asm":
            return _asm(args)
        if args.command == "compare":
            return _compare(args)
        return _check(args)
    except KeyboardInterrupt:
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - an internal error must still exit 2, not crash
        print(f"rocm-lsp: internal error: {type(exc).__name__}: {_printable(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _printable(text: object, newlines: bool = False) -> str:
    """``text`` with control characters escaped, for the terminal (``report_formats.printable``)."""
    from rocm_lsp.report_formats import printable

    return printable(text, newlines)


def _read_template(path: Path) -> str | int:
    """The file's text, or the exit code after saying why it cannot be used (regular files
    only, at most ``MAX_TEMPLATE_BYTES`` read: ``core.files.read_text_file``)."""
    from rocm_lsp.core.workspace.files import read_text_file

    try:
        text, problem = read_text_file(path)
    except OSError as exc:
        print(f"rocm-lsp: cannot read {_printable(path)}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    if text is None:
        print(f"{_printable(path)}:1:1: RL100 {_printable(problem)}", file=sys.stderr)
        return EXIT_FINDINGS
    return text


# `compile` and `bench` flags (argparse dests) -> the GPU settings keys they set
GPU_FLAGS = {
    "compiler": "compiler",
    "arch": "arch",
    "python": "benchmarkInterpreter",
    "timeout": "benchmarkTimeout",
    "targets": "targets",
    "inductor": "inductor",
    "max_configs": "tuneMaxConfigurations",
    "gpus": "benchmarkDevices",
}  # render-py's --python and --timeout go through "python" and "timeout"


def _gpu_settings(args: argparse.Namespace) -> GpuSettings | int:
    """``[tool.rocm-lsp]``'s GPU settings (arch, timeouts: a project file names no program) with
    the command's flags over them, or the exit code after saying what is wrong."""
    from rocm_lsp.report_formats import printable

    settings = load_pyproject(Path.cwd())
    if settings.errors:
        for error in settings.errors:
            print(f"error: [tool.rocm-lsp] {printable(error)}", file=sys.stderr)
        return EXIT_USAGE
    for warning in settings.warnings:
        print(f"rocm-lsp: warning: [tool.rocm-lsp] {printable(warning)}", file=sys.stderr)
    gpu = settings.gpu
    for dest, key in GPU_FLAGS.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        gpu = gpu_from_mapping({key: value}, gpu)
        if gpu.errors:  # e.g. --timeout -1
            problem = gpu.errors[0].partition(": ")[2]
            print(f"error: --{dest}: {printable(problem)}", file=sys.stderr)
            return EXIT_USAGE
    return gpu


def _template_and_gpu(args: argparse.Namespace) -> tuple[str, GpuSettings] | int:
    """``args.file``'s text and the GPU settings, or the exit code after saying what is wrong."""
    text = _read_template(args.file)
    if isinstance(text, int):
        return text
    gpu = _gpu_settings(args)
    return gpu if isinstance(gpu, int) else (text, gpu)


def _compile(args: argparse.Namespace) -> int:
    import json

    from rocm_lsp.core.text import LineIndex
    from rocm_lsp.core.workspace.check import FileReport
    from rocm_lsp.gpu.build import build, compile_json
    from rocm_lsp.gpu.compile import CompileState
    from rocm_lsp.gpu.resource_report import describe
    from rocm_lsp.report_formats import FORMATS, json_records

    path: Path = args.file
    loaded = _template_and_gpu(args)
    if isinstance(loaded, int):
        return loaded
    text, gpu = loaded
    result = build(path, text, args.check_only, gpu, args.profile)
    report = FileReport(path, LineIndex(text), tuple(result.diagnostics))
    compiled = result.result
    if args.output_format == "json":
        doc = {"findings": json_records([report]), "compile": compile_json(result)}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        sys.stdout.write(FORMATS[args.output_format]([report]))
    amd = result.toolchain is not None and result.toolchain.platform == "amd"
    if compiled is not None and compiled.state is CompileState.SKIPPED and args.output_format == "concise":
        why = "no Composable Kernel headers" if amd else "AMD only"
        print(f"skipped: {why} ({_printable(compiled.toolchain)} here)", file=sys.stderr)
    elif compiled is not None and args.output_format == "concise":
        state = "cached" if compiled.cached else f"{compiled.seconds:.2f} s"
        verdict = "ok" if compiled.ok else compiled.state.value
        print(f"{verdict}: {_printable(compiled.toolchain)}, {state}", file=sys.stderr)
        for k in result.reports:
            print(f"  {_printable(k.short_name)}: {_printable(describe(k))}", file=sys.stderr)
        if compiled.library:
            kind = "library" if compiled.library.endswith(".so") else "device code"
            print(f"  {kind}: {_printable(compiled.library)}", file=sys.stderr)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    return EXIT_FINDINGS if errors else EXIT_CLEAN


def _asm(args: argparse.Namespace) -> int:
    import json

    from rocm_lsp.gpu.targets import assembly_json, assembly_view

    path: Path = args.file
    loaded = _template_and_gpu(args)
    if isinstance(loaded, int):
        return loaded
    text, gpu = loaded
    view = assembly_view(path, text, gpu, gpu.default_target, args.profile, line=args.line)
    if args.output_format == "json":
        sys.stdout.write(json.dumps(assembly_json(view, text), indent=2) + "\n")
    elif view.document is not None:
        sys.stdout.write(_printable(view.document.text, newlines=True))
    if view.problem:
        print(
            f"{_printable(path)}: no assembly for {view.target}: {_printable(view.problem)}", file=sys.stderr
        )
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _compare(args: argparse.Namespace) -> int:
    import json

    from rocm_lsp.gpu.targets import compare, compare_json, markdown

    path: Path = args.file
    loaded = _template_and_gpu(args)
    if isinstance(loaded, int):
        return loaded
    text, gpu = loaded
    results = compare(path, text, gpu, gpu.targets, args.profile)
    if args.output_format == "json":
        sys.stdout.write(json.dumps(compare_json(results), indent=2) + "\n")
    else:
        sys.stdout.write(_printable(markdown(path, results), newlines=True))
    return EXIT_FINDINGS if any(r.problem for r in results) else EXIT_CLEAN


def _bench(args: argparse.Namespace) -> int:
    import json

    from rocm_lsp.gpu.bench import benchmark

    path: Path = args.file
    loaded = _template_and_gpu(args)
    if isinstance(loaded, int):
        return loaded
    text, gpu = loaded
    hint = "pass --python with a Python that has torch installed"
    outcome = benchmark(path, text, gpu, hint=hint)
    matched = (outcome.report.get("check") or {}).get("status") in ("matched", "skipped", None)
    if args.output_format == "json":
        doc = {
            "ok": outcome.ok,
            "summary": outcome.message,
            "report": outcome.report,
            "previous": outcome.previous,
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        print(f"{_printable(path)}: {_printable(outcome.message)}")
        report = outcome.report
        if outcome.ok:
            timing = report.get("timing", {})
            device = f"{report.get('device')} ({report.get('backend')}, torch {report.get('torch')})"
            print(f"  device: {_printable(device)}")
            print(
                f"  time: median {timing.get('median'):.4g} ms, p20 {timing.get('p20'):.4g}, "
                f"p80 {timing.get('p80'):.4g}, n={timing.get('count')} (L2 flushed, CUDA events)"
            )
            for out in (report.get("check") or {}).get("outputs", []):
                state = "matches" if out.get("matched") else "DOES NOT MATCH"
                name = _printable(out.get("name"))
                print(f"  {name}: {state} the reference (max abs err {_printable(out.get('max_abs_error'))})")
    return EXIT_CLEAN if outcome.ok and matched else EXIT_FINDINGS


def _tune(args: argparse.Namespace) -> int:
    import json

    from rocm_lsp.gpu import tune

    path: Path = args.file
    loaded = _template_and_gpu(args)
    if isinstance(loaded, int):
        return loaded
    text, gpu = loaded
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs: a whole number of parallel compiles, 1 or more", file=sys.stderr)
        return EXIT_USAGE

    def progress(what: str, _done: float) -> None:
        if args.output_format == "text":
            print(f"  {_printable(what)}", file=sys.stderr)

    hint = "pass --python with a Python that has torch installed"
    try:
        result = tune.tune(path, text, gpu, args.profile, progress=progress, jobs=args.jobs, hint=hint)
    except tune.TuneError as exc:
        print(f"{_printable(path)}: not tuned: {_printable(exc)}", file=sys.stderr)
        return EXIT_FINDINGS
    if args.output_format == "json":
        sys.stdout.write(json.dumps(tune.to_json(result), indent=2) + "\n")
    elif args.output_format == "markdown":
        sys.stdout.write(_printable(tune.markdown(result), newlines=True))
    else:
        sys.stdout.write(_printable(tune.text_report(result), newlines=True))
    if result.winner is None:
        return EXIT_FINDINGS
    if args.apply:
        applied = tune.apply_winner(text, result, args.profile)
        if applied is not None and applied != text:
            path.write_text(applied, encoding="utf-8")
            print(
                f"{_printable(path)}: [vars] set to {_printable(result.winner.configuration.label)}",
                file=sys.stderr,
            )
    return EXIT_CLEAN


def _render_py(args: argparse.Namespace) -> int:
    from rocm_lsp.core.text import LineIndex
    from rocm_lsp.core.workspace.check import FileReport
    from rocm_lsp.gpu import py_render
    from rocm_lsp.report_formats import FORMATS

    file, _, class_name = str(args.target).partition("::")
    path = Path(file)
    text = _read_template(path)
    if isinstance(text, int):
        return text
    gpu = _gpu_settings(args)
    if isinstance(gpu, int):
        return gpu
    classes = [c.name for c in py_render.template_classes(text)]
    if not class_name:
        if len(classes) != 1:
            found = ", ".join(classes) or "none"
            print(
                f"error: name the class, {_printable(file)}::CLASS (ROCm template classes here: {found})",
                file=sys.stderr,
            )
            return EXIT_USAGE
        class_name = classes[0]
    try:
        problem = py_render.parse_problem(args.problem)
    except ValueError as exc:
        print(f"error: --problem: {_printable(exc)}", file=sys.stderr)
        return EXIT_USAGE
    choice: int | str | None = args.choice
    if isinstance(choice, str) and choice.isdigit():
        choice = int(choice)
    hint = "pass --python with a Python that has torch installed"
    result = py_render.render_py(path, text, class_name, gpu, problem, choice, args.list, hint=hint)
    if result.diagnostics:
        sys.stderr.write(FORMATS["concise"]([FileReport(path, LineIndex(text), tuple(result.diagnostics))]))
    elif not result.ok:
        print(f"{_printable(path)}: {_printable(result.message)}", file=sys.stderr)
        return EXIT_FINDINGS
    if args.list:
        for entry in result.answer.get("choices") or []:
            print(f"{entry['index']}\t{_printable(entry['name'])}")
        print(f"{_printable(result.message)}", file=sys.stderr)
        return EXIT_CLEAN if result.ok else EXIT_FINDINGS
    if result.source is not None:
        sys.stdout.write(result.source)
    print(f"{_printable(result.message)}", file=sys.stderr)
    if result.source is None:
        return EXIT_FINDINGS
    if args.compile:
        summary, compiled = py_render.compile_preview(path, text, class_name, result, gpu)
        if compiled:
            sys.stderr.write(FORMATS["concise"]([FileReport(path, LineIndex(text), tuple(compiled))]))
        print(_printable(summary), file=sys.stderr)
        if any(d.severity is Severity.ERROR for d in compiled):
            return EXIT_FINDINGS
    return EXIT_CLEAN


SERVE_EPILOG = """\
TCP: the server listens on a loopback address only and admits one client, which must send
the token in initialize's params: "initializationOptions": {"token": "<token>"}. A connection
whose first message is anything else gets an error and is closed. The token is the first line
of --token-file (at least 16 characters), or else a new random one printed on stderr with the
address. The server ends when its client disconnects.

Malformed framing (a missing, non-numeric or negative Content-Length, a header above 8 KiB,
a body that is not JSON) ends the server with its reason on stderr and exit status 1."""


def _serve(args: argparse.Namespace) -> int:
    import logging

    from rocm_lsp.core.engine import render_process

    address = token = None
    if args.tcp:
        from rocm_lsp.lsp import transport

        try:
            address = transport.loopback_address(args.tcp)
            token = _serve_token(args.token_file)
        except ValueError as exc:
            print(f"rocm-lsp: {exc}", file=sys.stderr)
            return EXIT_USAGE
    elif args.token_file:
        print("rocm-lsp: --token-file goes with --tcp", file=sys.stderr)
        return EXIT_USAGE
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=logging.INFO)
    # Fork the render helper now: while this process has one thread, and before it imports the
    # LSP layer (pygls, lsprotocol), which the helper never uses: it imports the engine itself,
    # on the other core, and holds 59 MiB instead of 77, which each render child's fork copies
    # the page tables of.
    render_process.start(spare=True)
    with _starting(args.own_process):  # after the fork: the helper keeps its collector
        from rocm_lsp.lsp import transport
        from rocm_lsp.lsp.server import build_server

        server = build_server()
    if address is None or token is None:
        return transport.serve_stdio(server)

    def listening(host: str, port: int) -> None:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        shown = f"the token in {args.token_file}" if args.token_file else f"the token {token}"
        print(
            f"rocm-lsp: listening on {where}; send {shown} as initialize's initializationOptions.token",
            file=sys.stderr,
            flush=True,
        )

    return transport.serve_tcp(server, *address, token, listening)


def _serve_token(path: Path | None) -> str:
    """The TCP token: the first line of ``path``, or a new random one (ValueError if unusable)."""
    import secrets

    if path is None:
        return secrets.token_urlsafe(32)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeError) as exc:
        raise ValueError(f"cannot read the token file {path}: {exc}") from None
    token = lines[0].strip() if lines else ""
    if len(token) < 16:
        raise ValueError(f"the token in {path} must be at least 16 characters on its first line")
    return token


def _render(args: argparse.Namespace) -> int:
    from rocm_lsp.core.engine.analysis import analyze
    from rocm_lsp.core.workspace.check import FileReport
    from rocm_lsp.report_formats import concise

    path: Path = args.file
    text = _read_template(path)
    if isinstance(text, int):
        return text
    analysis = analyze(text, args.profile, static=args.static)
    rendered = analysis.rendered
    if rendered is None or rendered.text is None:
        errors = [d for d in analysis.diagnostics if d.severity is Severity.ERROR]
        report = FileReport(path, analysis.index, tuple(errors))
        sys.stderr.write(concise([report]) or f"{path}:1:1: rendering failed\n")
        return EXIT_FINDINGS
    sys.stdout.buffer.write(rendered.text.encode("utf-8"))
    sys.stdout.flush()
    return EXIT_CLEAN


def _check(args: argparse.Namespace) -> int:
    with _starting(args.own_process):
        from rocm_lsp.core.engine import jinja_env
        from rocm_lsp.core.workspace.cache import CheckCache, CodeCache, cache_base, default_dir
        from rocm_lsp.core.workspace.check import check_files, discover
        from rocm_lsp.core.workspace.config import project_root
        from rocm_lsp.report_formats import FORMATS, printable

    settings: Settings = load_pyproject(Path.cwd())
    if settings.errors:
        for error in settings.errors:
            print(f"error: [tool.rocm-lsp] {printable(error)}", file=sys.stderr)
        return EXIT_USAGE
    overrides = {
        key: value
        for key, value in (
            ("select", args.select),
            ("ignore", args.ignore),
            ("fail_on", args.fail_on),
            ("profile", args.profile),
        )
        if value is not None
    }
    settings = from_mapping(overrides, settings)
    if settings.errors:
        for error in settings.errors:
            print(f"error: --{printable(error)}", file=sys.stderr)  # --select, --ignore
        return EXIT_USAGE
    for warning in settings.warnings:
        print(f"rocm-lsp: warning: {printable(warning)}", file=sys.stderr)
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        for path in missing:
            print(f"rocm-lsp: {printable(path)}: no such file or directory", file=sys.stderr)
        return EXIT_USAGE
    cache = code_cache = None
    if args.no_cache:
        jinja_env.use_code_store(None, reuse=False)
    else:
        cache = CheckCache(default_dir(project_root(Path.cwd())), owned_from=cache_base())
        code_cache = CodeCache()
        jinja_env.use_code_store(code_cache)
    paths = list(discover(args.paths))
    if args.diff:
        return _diff(paths, settings, args.unsafe_fixes)
    fixed = _fix(paths, settings, args.unsafe_fixes) if args.fix else 0
    reports = check_files(paths, settings, cache, args.jobs)
    if not reports:
        where = ", ".join(printable(p) for p in args.paths)
        print(f"rocm-lsp: warning: no templates found under {where}", file=sys.stderr)
    for used in (cache, code_cache):
        if used is not None and used.warning:
            print(f"rocm-lsp: warning: {printable(used.warning)}", file=sys.stderr)
    if args.statistics:
        sys.stdout.write(_statistics(reports, args.output_format == "json"))
    elif args.output_format == "full":
        from rocm_lsp.report_formats import full

        sys.stdout.write(full(reports, _fix_titles(reports, settings)))
    else:
        sys.stdout.write(FORMATS[args.output_format](reports))
    found = [d for r in reports for d in r.diagnostics]
    failing = [d for d in found if d.severity >= settings.fail_on]
    if fixed and args.output_format in ("concise", "full"):
        print(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.", file=sys.stderr)
    if args.output_format in ("concise", "full"):
        if found:
            counts = {s: sum(d.severity is s for d in found) for s in Severity}
            summary = ", ".join(
                f"{n} {s.label}{'s' if n != 1 else ''}" for s, n in sorted(counts.items(), reverse=True) if n
            )
            print(
                f"Found {summary} in {len(reports)} file{'s' if len(reports) != 1 else ''}.",
                file=sys.stderr,
            )
        else:
            print(
                f"All checks passed ({len(reports)} file{'s' if len(reports) != 1 else ''}).",
                file=sys.stderr,
            )
    return EXIT_FINDINGS if failing else EXIT_CLEAN


# -- check --fix, --diff, --statistics, full -------------------------------------------------


def _fixed_text(text: str, settings: Settings, unsafe: bool) -> tuple[str, int]:
    """``text`` with its fixes applied (``core.features.fixes.fix_all``), analysed and fixed
    again until nothing changes (at most ``MAX_FIX_PASSES`` times), and how many findings the
    fixes resolved. Only the findings ``settings`` selects are fixed."""
    from rocm_lsp.core.engine.analysis import analyze
    from rocm_lsp.core.features.fixes import fix_all

    count = 0
    for _ in range(MAX_FIX_PASSES):
        analysis = analyze(text, settings.profile, concrete=False)
        fixed = fix_all(analysis, settings.filter(analysis.diagnostics), unsafe)
        if not fixed.fixes or fixed.text == text:
            break
        text, count = fixed.text, count + fixed.findings
    return text, count


def _fixable(paths: list[Path]) -> list[tuple[Path, str]]:
    """The templates among ``paths`` that can be read, with their text (``check_file``
    reports the others)."""
    from rocm_lsp.core.workspace.files import read_text_file

    out = []
    for path in paths:
        if not path.name.endswith(TEMPLATE_SUFFIX):
            continue  # Python modules: their templates are string literals, fixed by hand
        try:
            text, _ = read_text_file(path)
        except OSError:
            continue
        if text is not None:
            out.append((path, text))
    return out


def _fix(paths: list[Path], settings: Settings, unsafe: bool) -> int:
    """Apply the fixes to the files (atomically, keeping the file's mode); the findings fixed."""
    import os

    from rocm_lsp.core.workspace.files import atomic_write_text
    from rocm_lsp.report_formats import printable

    total = 0
    for path, text in _fixable(paths):
        new, count = _fixed_text(text, settings, unsafe)
        if new == text:
            continue
        target = path.resolve()  # through a link, as an editor saves
        try:
            mode = target.stat().st_mode & 0o7777
            atomic_write_text(target, new)
            os.chmod(target, mode)
        except OSError as exc:
            print(f"rocm-lsp: cannot write {printable(path)}: {exc.strerror or exc}", file=sys.stderr)
            continue
        total += count
    return total


def _diff(paths: list[Path], settings: Settings, unsafe: bool) -> int:
    """``check --diff``: the fixes as a unified diff on stdout; exit 1 if there are any."""
    import difflib
    import re

    from rocm_lsp.report_formats import printable

    def lines(text: str) -> list[str]:
        found = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
        if found and not found[-1].endswith(("\n", "\r")):
            found[-1] += "\n\\ No newline at end of file\n"
        return found

    total = files = 0
    for path, text in _fixable(paths):
        new, count = _fixed_text(text, settings, unsafe)
        if new == text:
            continue
        name = printable(path)
        diff = "".join(difflib.unified_diff(lines(text), lines(new), f"a/{name}", f"b/{name}"))
        sys.stdout.buffer.write(diff.encode("utf-8", "surrogateescape"))
        total, files = total + count, files + 1
    sys.stdout.flush()
    if files:
        s = "s" if total != 1 else ""
        print(f"Would fix {total} finding{s} in {files} file{'s' if files != 1 else ''}.", file=sys.stderr)
        return EXIT_FINDINGS
    print("No fixes available.", file=sys.stderr)
    return EXIT_CLEAN


def _fix_titles(reports: list, settings: Settings) -> dict:
    """For ``--output-format full``: (path, code, start, end) -> the title of the finding's first
    fix (the one ``--fix``, with ``--unsafe-fixes`` where it is unsafe, would apply)."""
    from rocm_lsp.core.engine.analysis import analyze
    from rocm_lsp.core.features.fixes import fixes_for

    titles = {}
    for report in reports:
        if not report.diagnostics or not report.path.name.endswith(TEMPLATE_SUFFIX):
            continue
        analysis = analyze(report.index.text, settings.profile, concrete=False)
        for d in report.diagnostics:
            fix = next((f for f in fixes_for(analysis, d) if not f.suppression), None)
            if fix is not None:
                unsafe = "" if fix.safe else " (unsafe)"
                titles[(report.path, d.code, d.span.start, d.span.end)] = fix.title + unsafe
    return titles


def _statistics(reports: list, as_json: bool) -> str:
    """``check --statistics``: each code's count and title, most frequent first."""
    import json
    from collections import Counter

    from rocm_lsp.core.diagnostics import RULES
    from rocm_lsp.report_formats import printable

    counts = Counter(str(d.code) for r in reports for d in r.diagnostics)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    titles = {code: RULES[code].title if code in RULES else "unregistered code" for code in counts}
    if as_json:
        records = [{"code": code, "title": titles[code], "count": n} for code, n in rows]
        return json.dumps(records, indent=2) + "\n"
    width = max((len(str(n)) for _, n in rows), default=1)
    return "".join(f"{n:>{width}}\t{printable(code)}\t{titles[code]}\n" for code, n in rows)

"""Time ``parse_header`` (and ``blank_comments``) on hostile header text at several sizes.

    .venv/bin/python bench/header_scan.py                      # this tree only
    .venv/bin/python bench/header_scan.py --old 4c9c53b        # and header.py/text.py of a revision
    .venv/bin/python bench/header_scan.py --old HEAD           # before/after an uncommitted change

Each measurement runs in its own process under ``--limit`` seconds (the old scanners took
minutes on some of these); once an implementation runs out of time on a case, its larger
sizes are not tried. Sizes are the length of the hostile line in characters. The two
implementations take turns at each case and size, so that both see the same load.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZES = (1_000, 2_000, 4_000, 8_000, 64_000)


def _doc(body: str) -> str:
    return "{#- rocm-lsp\n" + body + "\n-#}\n{{ X }}\n"


def _shapes_and_nodes(n: int) -> str:
    count = max(1, n // 40)
    shapes = "\n".join(f"t{i} = 1" for i in range(count))
    nodes = "\n".join(f'N{i} = {{ dtype = "float16", size = ["s{i}"] }}' for i in range(count))
    return _doc(f"[shapes]\n{shapes}\n[nodes]\n{nodes}")


# name -> (what it stresses, document of about n characters)
HEADER_CASES: dict[str, tuple[str, Callable[[int], str]]] = {
    "table_spaces": ("'[' and n spaces (red team)", lambda n: _doc("[" + " " * n)),
    "table_unclosed": ("'[a', n spaces, 'b'", lambda n: _doc("[a" + " " * n + "b")),
    "nested_tables": (
        "x = {a={a={…}}} (red team)",
        lambda n: _doc("x = " + "{a=" * (n // 4) + "1" + "}" * (n // 4)),
    ),
    "nested_fields": ("x = a=[a=[a=[…", lambda n: _doc("x = " + "a=[" * (n // 3))),
    "field_chain": ("x = a=a=a=…", lambda n: _doc("x = " + "a=" * (n // 2))),
    "long_name": ('x = "aaa…" (a name with no =)', lambda n: _doc('x = "' + "a" * n + '"')),
    "unclosed_string": ('x = [a=" a=" …, unclosed', lambda n: _doc("x = [" + 'a=" ' * (n // 4))),
    "gaps": ("x = a=[a=[… then commas", lambda n: _doc("x = " + "a=[" * (n // 6) + "," * (n // 2))),
    "element_spans": (
        "x = a0=[a1=[… then 1,1,…",
        lambda n: _doc("x = " + "".join(f"a{i}=[" for i in range(n // 10)) + "1," * (n // 4)),
    ),
    "duplicates": ("n/6 lines 'a = 1'", lambda n: _doc("\n".join(["a = 1"] * (n // 6)))),
    "shapes_x_nodes": ("n/40 shapes and nodes", _shapes_and_nodes),
    "multi_line_array": ("x = [ and n/5 lines '1,'", lambda n: _doc("x = [\n" + "  1,\n" * (n // 5) + "]")),
    "dotted_key": ("a.a.a.… = 1 (n/2 parts)", lambda n: _doc("a." * (n // 2) + "a = 1")),
}
TEXT_CASES: dict[str, tuple[str, Callable[[int], str]]] = {
    "comments_unclosed": ("'{#' repeated, never closed", lambda n: "{#" * (n // 2)),
    "raw_unclosed": ("'{% raw %}' repeated, never closed", lambda n: "{% raw %}" * (n // 9)),
}


def _load(name: str, path: Path, module: str):
    spec = importlib.util.spec_from_file_location(module, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[module] = mod
    spec.loader.exec_module(mod)
    return mod


def _one(impl: str, case: str, n: int) -> float:
    """Seconds for one call (the best of up to three, as long as they stay short)."""
    sys.path.insert(0, str(REPO / "server"))
    if impl == "new":
        from rocm_lsp.core import text
        from rocm_lsp.core.engine import header
    else:
        header = _load("header", Path(impl) / "header.py", "old_rocm_lsp_header")
        text = _load("text", Path(impl) / "text.py", "old_rocm_lsp_text")
    best = float("inf")
    for _ in range(3):
        if case in HEADER_CASES:
            doc = HEADER_CASES[case][1](n)
            index = text.LineIndex(doc)
            start = time.perf_counter()
            try:
                header.parse_header(doc, index)
            except Exception:  # noqa: BLE001 - the old header let tomllib's errors escape
                pass
        else:
            doc = TEXT_CASES[case][1](n)
            start = time.perf_counter()
            text.blank_comments(doc)
        best = min(best, time.perf_counter() - start)
        if best > 0.5:
            break
    return best


def _measure(impl: str, case: str, n: int, limit: float) -> float | None:
    command = [sys.executable, __file__, "--one", impl, case, str(n)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout.strip())


def _cell(seconds: float | None, limit: float) -> str:
    if seconds is None:
        return f"> {limit:g} s"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--old", help="a git revision whose header.py and text.py to time as well")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds per measurement (default 20)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=list(SIZES))
    parser.add_argument("--cases", type=lambda s: s.split(","), default=None)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(_one(args.one[0], args.one[1], int(args.one[2])))
        return
    impls = ["new"]
    with tempfile.TemporaryDirectory() as tmp:
        if args.old:
            for name, moved in (("header.py", "engine/header.py"), ("text.py", "text.py")):
                for path in (moved, name):  # header.py moved to core/engine/ in dbcd93e
                    shown = subprocess.run(
                        ["git", "show", f"{args.old}:server/rocm_lsp/core/{path}"],
                        cwd=REPO,
                        capture_output=True,
                        text=True,
                    )
                    if shown.returncode == 0:
                        break
                shown.check_returncode()
                (Path(tmp) / name).write_text(shown.stdout)
            impls = [tmp, "new"]
        names = {tmp: f"old ({args.old})", "new": "this tree"}
        cases = {**HEADER_CASES, **TEXT_CASES}
        header_row = f"{'case':<18} {'impl':<16}" + "".join(f"{n:>12,}" for n in args.sizes)
        print(header_row)
        print("-" * len(header_row))
        for case in args.cases or cases:
            print(f"{case:<18} {cases[case][0]}")
            cells: dict[str, list[str]] = {impl: [] for impl in impls}
            for n in args.sizes:
                for impl in impls:
                    if cells[impl] and cells[impl][-1].startswith((">", "-")):
                        cells[impl].append("-")  # ran out of time at a smaller size
                        continue
                    cells[impl].append(_cell(_measure(impl, case, n, args.limit), args.limit))
            for impl in impls:
                print(f"{'':<18} {names[impl]:<16}" + "".join(f"{c:>12}" for c in cells[impl]), flush=True)


if __name__ == "__main__":
    main()

"""What one keystroke costs the server's analysis, with and without each of its reuses.

The server analyses a document 100 ms after the last keystroke. This bench replays keystrokes
on a template (``gemm_bias_fp16``, and the issue's 527-line version of it) as the server sees
them: an ``analyze(text)`` per edit, 120 ms apart, renders contained in a helper started as the
server starts it. Three configurations, side by side in interleaved rounds (each round starts
a fresh helper per configuration, then times ``--edits`` keystrokes):

- **none**: every keystroke compiles the template again and parses its header again, and the
  helper forks each render's child when the job comes (before issue #19's third step);
- **reuse**: the compiled-template cache (the code of an unchanged Jinja skeleton) and the
  parsed header are reused; children still forked per job;
- **shipped**: as the server runs: reuse, and the helper's two spare children, forked and
  warmed while the user types.

Each keystroke either rewrites the last line (``edit``) or adds a line below the header
(``new line``: every template line moves; the compiled code is reused with the new lines in
its line table). Prints a
markdown table (median, p90 in ms), then one JSON line.

Usage: ``python bench/keystroke_cost.py [--rounds 5] [--edits 15]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rocm_lsp.core.engine import analysis, header, jinja_env, render_process
from rocm_lsp.core.engine.analysis import analyze

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_latency import pct  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = {
    "gemm_bias_fp16 (722 lines)": REPO / "templates" / "gemm_bias_fp16.hip.jinja",
    "the issue's GEMM (527 lines)": REPO / "bench" / "data" / "gemm_bias_fp16_527.hip.jinja",
}
CONFIGS = ("none", "reuse", "shipped")
GAP_S = 0.12  # between keystrokes: past the server's 100 ms debounce


@contextmanager
def configured(name: str) -> Iterator[None]:
    render_process.stop()
    render_process.start(warm=True, spare=name == "shipped")
    cached = jinja_env._cached
    if name == "none":
        jinja_env._cached = lambda key: None  # type: ignore[assignment]
        analysis.cached_header = header.parse_header  # type: ignore[attr-defined]
    try:
        time.sleep(1.0)  # the helper's imports and warm-up, as after a server's start
        yield
    finally:
        jinja_env._cached = cached  # type: ignore[assignment]
        analysis.cached_header = header.cached_header  # type: ignore[attr-defined]
        jinja_env._memory.clear()
        render_process.stop()


def keystrokes(text: str, edits: int, new_lines: bool) -> list[float]:
    analyze(text)  # the document as opened
    out = []
    cut = text.index("\n", text.index("-#}")) + 1
    for version in range(edits):
        if new_lines:  # one more line below the header each time: every template line moves
            edited = text[:cut] + "".join(f"// edit {v}\n" for v in range(version + 1)) + text[cut:]
        else:
            edited = text + f"\n// edit {version}"
        time.sleep(GAP_S)
        start = time.perf_counter()
        analyze(edited)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--edits", type=int, default=15)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {}
    for r in range(args.rounds):
        for config in CONFIGS[r % 3 :] + CONFIGS[: r % 3]:
            with configured(config):
                for label, path in TEMPLATES.items():
                    text = path.read_text(encoding="utf-8")
                    for kind, new_lines in (("edit", False), ("new line", True)):
                        key = f"{label}|{kind}|{config}"
                        samples.setdefault(key, []).extend(keystrokes(text, args.edits, new_lines))
    print(f"analyze() per keystroke, ms: {args.rounds} rounds × {args.edits} keystrokes, 120 ms apart\n")
    print("| template | keystroke | " + " | ".join(f"{c} p50 / p90" for c in CONFIGS) + " |")
    print("|---|---|" + "---:|" * len(CONFIGS))
    for label in TEMPLATES:
        for kind in ("edit", "new line"):
            cells = []
            for config in CONFIGS:
                values = samples[f"{label}|{kind}|{config}"]
                cells.append(f"{statistics.median(values):.1f} / {pct(values, 0.9):.1f}")
            print(f"| {label} | {kind} | " + " | ".join(cells) + " |")
    print(json.dumps({"bench": "keystroke_cost", "rounds": args.rounds, "samples": samples}))


if __name__ == "__main__":
    main()

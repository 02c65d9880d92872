#!/usr/bin/env python3
"""Hunt for divergences between rocm-lsp's hook engine and real torch 2.13.

Generates batches of random cases with tests/oracle_strategies.py, runs each batch through
rocm-lsp and (once per batch) through scripts/record_exactness.py on real torch, and prints the
first differing call of every divergent case, grouped by a rough signature. With --reduce,
each group's first case is shrunk (greedily, one oracle run per round) to a minimal repro.

  .venv/bin/python scripts/oracle-hunt.py --batches 20 --seed 1 [--reduce] [-o hunt.json]

The oracle python is $ROCM_LSP_ORACLE_PYTHON or .oracle/bin/python (scripts/setup-oracle.sh).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "server"), str(REPO / "tests")]

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

import oracle_strategies  # noqa: E402
from oracle_cases import run_case  # noqa: E402
from oracle_known import match  # noqa: E402
from oracle_support import (  # noqa: E402
    differences,
    first_divergent_call,
    normalise,
    oracle_python,
    referenced_nodes,
    run_oracle,
)


def signature(case: dict, ours: dict, theirs: dict) -> str:
    """A coarse grouping key: impl, call, and the shape of both outcomes (or a known bug)."""
    i = first_divergent_call(ours, theirs)
    if i is None:
        return f"{case['impl']}:state"
    a, b = normalise(ours, False)["calls"][i], normalise(theirs, True)["calls"][i]
    known = match(case, case["calls"][i], a, b)
    if known is not None:
        return f"known {known.key}"

    def shape(rec: dict) -> str:
        if "error" in rec:
            message = re.sub(r"\W+", " ", rec["error"]["message"])[:40]
            return f"E:{rec['error']['type']}:{message}"
        return "ok"

    return f"{case['impl']}:{a['call']}:{shape(a)} | {shape(b)}"


def diverges(cases: list[dict], python: str) -> list[bool]:
    theirs = run_oracle(cases, python)
    return [bool(differences(run_case(c), t)) for c, t in zip(cases, theirs)]


def candidates(case: dict) -> list[dict]:
    """Smaller variants of a case: fewer calls, fewer nodes, simpler sizes and arguments."""
    out = []
    calls = case["calls"]
    for i in range(len(calls)):
        c = copy.deepcopy(case)
        del c["calls"][i]
        if c["calls"]:
            out.append(c)
    used = referenced_nodes(case)
    for j, node in enumerate(case["nodes"]):
        if node["name"] not in used:
            c = copy.deepcopy(case)
            del c["nodes"][j]
            out.append(c)
    for j, node in enumerate(case["nodes"]):
        for key in ("stride", "offset", "kind"):
            if key in node:
                c = copy.deepcopy(case)
                del c["nodes"][j][key]
                out.append(c)
        if node["size"]:
            c = copy.deepcopy(case)
            c["nodes"][j]["size"] = node["size"][:-1]
            c["nodes"][j].pop("stride", None)
            out.append(c)
        for k, entry in enumerate(node["size"]):
            if entry not in (1, "s0"):
                for simpler in (1, "s0"):
                    c = copy.deepcopy(case)
                    c["nodes"][j]["size"][k] = simpler
                    out.append(c)
    for key in ("runtime_arg_info", "runtime_arg_values"):
        if key in case:
            c = copy.deepcopy(case)
            del c[key]
            out.append(c)
    for i, call in enumerate(calls):
        for key in ("input_reorder", "names_str", "size_args", "default", "end"):
            if key in call:
                c = copy.deepcopy(case)
                del c["calls"][i][key]
                out.append(c)
        for key in ("inputs", "outputs"):
            if isinstance(call.get(key), list):
                for k in range(len(call[key])):
                    c = copy.deepcopy(case)
                    del c["calls"][i][key][k]
                    out.append(c)
    return out


def reduce(case: dict, python: str, rounds: int = 12) -> dict:
    for _ in range(rounds):
        cands = candidates(case)
        if not cands:
            break
        flags = diverges([{**c, "id": f"r{k}"} for k, c in enumerate(cands)], python)
        smaller = [c for c, f in zip(cands, flags) if f]
        if not smaller:
            break
        case = min(smaller, key=lambda c: len(json.dumps(c)))
    return case


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reduce", action="store_true", help="shrink one case per group")
    ap.add_argument("--all", action="store_true", help="also show known bugs' cases")
    ap.add_argument("-o", "--output", help="write all divergences (JSON) here")
    ns = ap.parse_args()
    python = oracle_python()
    if python is None:
        sys.exit("no oracle python: run scripts/setup-oracle.sh or set ROCM_LSP_ORACLE_PYTHON")

    batches: list[list[dict]] = []

    @seed(ns.seed)
    @settings(
        max_examples=ns.batches,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(oracle_strategies.batch(40, 60))
    def collect(cases: list[dict]) -> None:
        batches.append(cases)

    collect()
    t0 = time.time()
    found: list[dict] = []
    groups: dict[str, list[dict]] = {}
    total = 0
    for b, cases in enumerate(batches):
        cases = [{**c, "id": f"b{b}{c['id']}"} for c in cases]
        total += len(cases)
        for case, theirs in zip(cases, run_oracle(cases, python)):
            ours = run_case(case)
            if differences(ours, theirs):
                item = {"case": case, "ours": ours, "torch": theirs}
                found.append(item)
                groups.setdefault(signature(case, ours, theirs), []).append(item)
    elapsed = time.time() - t0
    print(f"{total} cases in {len(batches)} batches, {elapsed:.0f}s: {len(found)} divergent")
    for key, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"\n=== {len(items)}x {key}")
        if key.startswith("known ") and not ns.all:
            continue
        item = items[0]
        case = reduce(item["case"], python) if ns.reduce else item["case"]
        case = {**case, "id": "repro"}
        theirs = run_oracle([case], python)[0] if ns.reduce else item["torch"]
        ours = run_case(case)
        print("case:", json.dumps(case))
        for line in differences(ours, theirs):
            print(line)
    if ns.output:
        Path(ns.output).write_text(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()

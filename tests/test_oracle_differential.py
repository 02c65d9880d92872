"""Property-based differential test: random cases through rocm-lsp and through real torch.

Each Hypothesis example is a batch of random cases (``oracle_strategies.batch``) in the
case format of ``scripts/record_exactness.py``; the batch runs through rocm-lsp
(``oracle_cases.run_case``) and through that script on real torch 2.13 in ONE subprocess, and
every call's result or error (type and message) and every final state must match, up to the
documented normalisations of :mod:`oracle_support`. A case whose first differing call is a
known, reported bug (:mod:`oracle_known`, each with an xfail repro in
test_oracle_regressions.py) is tolerated.

Needs a python with torch 2.13: ``$ROCM_LSP_ORACLE_PYTHON``, else ``<repo>/.oracle``
(``bash scripts/setup-oracle.sh``); skipped otherwise (the recorded outputs in
``tests/exactness/`` are checked without torch by test_golden_cases.py). The bundled templates
as they are now are rendered by real torch here too, whatever the recording holds.

Knobs (environment):
  ROCM_LSP_ORACLE_EXAMPLES  batches to run (default 5; each is one oracle subprocess)
  ROCM_LSP_ORACLE_SEED      explore another part of the space (default: derandomized)
  ROCM_LSP_ORACLE_STRICT    1: known divergences fail too
  ROCM_LSP_ORACLE_DUMP      append every divergence found to this JSON file
  ROCM_LSP_ORACLE_CORPUS    append every case and torch's result to this JSON file (how the
                            replayed corpora tests/exactness/random-torch-*.json are recorded:
                            docs/exactness.md)
The oracle's torch decides the profile compared (``profile_for_torch``): 2.13 -> rocm-2.13,
2.14/2.15 -> rocm-2.15; the cases are drawn for that torch's dtypes.
For a long hunt that does not stop at the first failing batch: scripts/oracle-hunt.py.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, note, seed, settings

import oracle_strategies
from oracle_cases import profile_of, run_case
from oracle_known import match
from oracle_support import (
    EXACTNESS_TEMPLATES,
    ORACLE_HELP,
    REFERENCE_TORCH,
    REPO,
    differences,
    first_divergent_call,
    normalise,
    oracle_python,
    oracle_torch,
    render_with_torch,
    report,
    run_oracle,
)
from rocm_lsp.core.engine.analysis import analyze

pytestmark = pytest.mark.oracle

EXAMPLES = int(os.environ.get("ROCM_LSP_ORACLE_EXAMPLES", "5"))
SEED = os.environ.get("ROCM_LSP_ORACLE_SEED")
STRICT = os.environ.get("ROCM_LSP_ORACLE_STRICT", "") not in ("", "0")
DUMP = os.environ.get("ROCM_LSP_ORACLE_DUMP")
CORPUS = os.environ.get("ROCM_LSP_ORACLE_CORPUS")
BATCH_MIN, BATCH_MAX = 40, 60

PYTHON = oracle_python()
TORCH = oracle_torch(PYTHON) if PYTHON is not None else REFERENCE_TORCH


def _skip_reason() -> str | None:
    if PYTHON is None:
        return f"no torch oracle: {ORACLE_HELP}"
    return None


class Batch(list):
    """A list of cases whose repr stays short in Hypothesis's failure report."""

    def __repr__(self) -> str:
        impls = Counter(c["impl"] for c in self)
        return f"<batch of {len(self)} cases: {dict(impls)}>"


def _known(case: dict, ours: dict, theirs: dict) -> str | None:
    """The key of the known bug that explains this divergence, if one does."""
    i = first_divergent_call(ours, theirs)
    if i is None:
        return None  # only the final state differs: never excused
    a, b = normalise(ours, False)["calls"][i], normalise(theirs, True)["calls"][i]
    known = match(case, case["calls"][i], a, b)
    return known.key if known else None


def _dump(items: list[dict]) -> None:
    path = Path(DUMP)
    old = json.loads(path.read_text()) if path.exists() else []
    seen = {json.dumps(i["case"], sort_keys=True) for i in old}
    new = [i for i in items if json.dumps(i["case"], sort_keys=True) not in seen]
    path.write_text(json.dumps(old + new, indent=1))


def _append_corpus(cases: list[dict], results: list[dict]) -> None:
    path = Path(CORPUS)
    doc = json.loads(path.read_text()) if path.exists() else {"torch_version": TORCH, "cases": []}
    assert doc["torch_version"] == TORCH, f"{path} holds torch {doc['torch_version']}'s results"
    start = len(doc["cases"])
    for i, (case, result) in enumerate(zip(cases, results)):
        number = f"r{start + i}"
        doc["cases"].append({"case": {**case, "id": number}, "torch": {**result, "id": number}})
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")


def _settings(test):
    test = settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=SEED is None,
        # No shrinking: each shrink step would be another oracle run. The cases of a batch
        # are independent, so the report already isolates the diverging case
        # (scripts/oracle-hunt.py --reduce shrinks one further).
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(test)
    if SEED is not None:
        test = seed(int(SEED))(test)
    return test


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
@_settings
@given(cases=oracle_strategies.batch(BATCH_MIN, BATCH_MAX, TORCH).map(Batch))
def test_random_cases_match_torch(cases: Batch) -> None:
    theirs_all = run_oracle(cases, PYTHON)
    if CORPUS:
        _append_corpus(cases, theirs_all)
    problems, known, dumped = [], Counter(), []
    for case, theirs in zip(cases, theirs_all):
        assert "oracle_error" not in theirs, f"the generator made a malformed case: {theirs}"
        assert all("oracle_error" not in c for c in theirs["calls"]), theirs
        ours = run_case(case, TORCH)
        if not differences(ours, theirs):
            continue
        dumped.append({"case": case, "ours": ours, "torch": theirs})
        key = None if STRICT else _known(case, ours, theirs)
        if key is None:
            problems.append(report(case, ours, theirs))
        else:
            known[key] += 1
    if DUMP and dumped:
        _dump(dumped)
    note(f"{len(cases)} cases; tolerated known divergences: {dict(known)}")
    assert not problems, (
        f"{len(problems)} of {len(cases)} random cases differ from torch {TORCH} (and are not "
        f"known bugs; known: {dict(known)}). The first:\n" + problems[0]
    )


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
def test_current_templates_render_as_torch() -> None:
    """Every bundled template, as it is in the checkout now, renders as real torch renders it."""
    paths = [*sorted((REPO / "templates").glob("*.hip.jinja")), *sorted(EXACTNESS_TEMPLATES.glob("*.jinja"))]
    assert PYTHON is not None
    problems = []
    for entry in render_with_torch(paths, PYTHON):
        for mode, theirs in entry["renders"].items():
            if "not_in_this_torch" in theirs:
                continue
            assert "result" in theirs, f"torch could not render {entry['path']} ({mode}): {theirs}"
            header = analyze(entry["source"]).header
            profile = profile_of("seed" if header.profile == "seed" else "rocm", TORCH)
            analysis = analyze(entry["source"], profile, static=mode == "static")
            ours = analysis.rendered.text if analysis.rendered is not None else None
            if ours != theirs["result"]:
                problems.append(f"{entry['path']} ({mode})")
    assert len(paths) > 0
    assert not problems, f"rocm-lsp renders differently from torch {TORCH}: " + ", ".join(problems)

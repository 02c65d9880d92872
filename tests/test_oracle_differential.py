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
from oracle_cases import run_case
from oracle_known import match
from oracle_support import (
    ORACLE_HELP,
    REPO,
    differences,
    first_divergent_call,
    normalise,
    oracle_python,
    render_with_torch,
    report,
    run_oracle,
)
from rocm_lsp.core.analysis import analyze

pytestmark = pytest.mark.oracle

EXAMPLES = int(os.environ.get("ROCM_LSP_ORACLE_EXAMPLES", "5"))
SEED = os.environ.get("ROCM_LSP_ORACLE_SEED")
STRICT = os.environ.get("ROCM_LSP_ORACLE_STRICT", "") not in ("", "0")
DUMP = os.environ.get("ROCM_LSP_ORACLE_DUMP")
BATCH_MIN, BATCH_MAX = 40, 60

PYTHON = oracle_python()


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
@given(cases=oracle_strategies.batch(BATCH_MIN, BATCH_MAX).map(Batch))
def test_random_cases_match_torch(cases: Batch) -> None:
    theirs_all = run_oracle(cases, PYTHON)
    problems, known, dumped = [], Counter(), []
    for case, theirs in zip(cases, theirs_all):
        assert "oracle_error" not in theirs, f"the generator made a malformed case: {theirs}"
        assert all("oracle_error" not in c for c in theirs["calls"]), theirs
        ours = run_case(case)
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
        f"{len(problems)} of {len(cases)} random cases differ from torch 2.13 (and are not "
        f"known bugs; known: {dict(known)}). The first:\n" + problems[0]
    )


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
def test_current_templates_render_as_torch() -> None:
    """Every bundled template, as it is in the checkout now, renders as real torch renders it."""
    paths = sorted((REPO / "templates").glob("*.hip.jinja"))
    assert PYTHON is not None
    problems = []
    for entry in render_with_torch(paths, PYTHON):
        for mode, theirs in entry["renders"].items():
            assert "result" in theirs, f"torch could not render {entry['path']} ({mode}): {theirs}"
            analysis = analyze(entry["source"], static=mode == "static")
            ours = analysis.rendered.text if analysis.rendered is not None else None
            if ours != theirs["result"]:
                problems.append(f"{entry['path']} ({mode})")
    assert len(paths) > 0
    assert not problems, "rocm-lsp renders differently from torch 2.13: " + ", ".join(problems)

"""Replay of the recorded random corpora: every case the live differential drew for a torch
release that CI does not install, and real torch's result, rocm-lsp must reproduce.

``tests/exactness/random-torch-<version>.json`` holds cases drawn by ``oracle_strategies``
for that torch and its results, recorded once with the live differential
(``ROCM_LSP_ORACLE_CORPUS``, docs/exactness.md). Torch 2.15's PyPI wheel is a CUDA build of
several GB, too much for CI, so its differential runs here as a replay; torch 2.13's runs live
in CI (tests/test_oracle_differential.py). Missing data fails; a known, reported bug
(:mod:`oracle_known`) is tolerated as in the live test, and counted.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from oracle_cases import run_case
from oracle_known import match
from oracle_support import EXACTNESS, differences, first_divergent_call, normalise, report

# Each torch release the profiles model but CI does not run live, and the least its corpus holds.
REPLAYED = {"2.15.0": 1500}


def _corpus(version: str) -> dict:
    path = EXACTNESS / f"random-torch-{version}.json"
    assert path.exists(), (
        f"{path} is missing: record it with torch {version} (docs/exactness.md, 'Random corpora')"
    )
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["torch_version"] == version
    return doc


@pytest.mark.parametrize("version", sorted(REPLAYED))
def test_random_corpus_matches_torch(version: str) -> None:
    entries = _corpus(version)["cases"]
    assert len(entries) >= REPLAYED[version], f"torch {version}'s corpus holds only {len(entries)} cases"
    problems, known = [], Counter()
    for entry in entries:
        case, theirs = entry["case"], entry["torch"]
        assert "oracle_error" not in theirs, theirs
        ours = run_case(case, version)
        if not differences(ours, theirs):
            continue
        i = first_divergent_call(ours, theirs)
        hit = None
        if i is not None:
            a, b = normalise(ours, False)["calls"][i], normalise(theirs, True)["calls"][i]
            hit = match(case, case["calls"][i], a, b)
        if hit is None:
            problems.append(report(case, ours, theirs))
        else:
            known[hit.key] += 1
    assert not problems, (
        f"{len(problems)} of {len(entries)} recorded cases differ from torch {version} (known: "
        f"{dict(known)}). The first:\n" + problems[0]
    )

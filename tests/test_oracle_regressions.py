"""Minimal repros of the divergences from torch 2.13 that the differential test found
(see :mod:`oracle_known`), with torch's recorded output.

A fixed divergence is a plain regression test. An open one is an ``xfail(strict=True)``: it
fails while rocm-lsp still diverges and turns into an XPASS failure once the bug is fixed
(then record the fixing commit in its ``fixed`` field). The torch outputs are recorded, so
these run without torch; with the oracle available, ``test_recorded_outputs_are_torchs``
checks the recordings against real torch.
"""

from __future__ import annotations

import pytest

from oracle_cases import run_case
from oracle_known import KNOWN, Known, expected_output, match
from oracle_support import (
    ORACLE_HELP,
    differences,
    first_divergent_call,
    normalise,
    oracle_python,
    run_oracle,
)


def _param(k: Known):
    if k.fixed:
        return pytest.param(k, id=k.key)
    reason = f"open divergence {k.key}: {k.summary}"
    return pytest.param(k, id=k.key, marks=pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize("known", [_param(k) for k in KNOWN])
def test_repro_matches_torch(known: Known) -> None:
    problems = differences(run_case(known.case), expected_output(known))
    assert not problems, f"{known.key} ({known.summary}):\n" + "\n".join(problems)


@pytest.mark.parametrize("known", [k for k in KNOWN if not k.fixed], ids=lambda k: k.key)
def test_matcher_recognises_its_open_repro(known: Known) -> None:
    ours, theirs = run_case(known.case), expected_output(known)
    i = first_divergent_call(ours, theirs)
    if i is None:
        pytest.skip(f"{known.key} no longer diverges: test_repro_matches_torch reports it")
    a, b = normalise(ours, False)["calls"][i], normalise(theirs, True)["calls"][i]
    assert match(known.case, known.case["calls"][i], a, b) is known


def test_repro_ids_are_unique() -> None:
    keys = [k.key for k in KNOWN]
    assert len(set(keys)) == len(keys)
    assert all(k.case["id"] == k.key for k in KNOWN)


@pytest.mark.oracle
@pytest.mark.skipif(oracle_python() is None, reason=f"no torch oracle: {ORACLE_HELP}")
def test_recorded_outputs_are_torchs() -> None:
    live = run_oracle([k.case for k in KNOWN], oracle_python())
    for known, theirs in zip(KNOWN, live):
        assert theirs == expected_output(known), known.key

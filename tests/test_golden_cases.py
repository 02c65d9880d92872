"""Every hook-level reference case, run through rocm-lsp, must match real torch 2.13's output.

The cases and the real outputs are ``<shared>/reference/cases.json`` and ``expected.json``
(``<shared>`` is ``<repo>/../shared`` or ``$ROCM_LSP_SHARED``). The only tolerated
differences are the documented normalisations in :mod:`oracle_support`.
"""

from __future__ import annotations

import pytest

from oracle_cases import run_case, supported
from oracle_support import differences, load_cases, load_expected, normalise, reference_dir

if not (reference_dir() / "cases.json").exists():
    pytest.skip(f"no reference cases at {reference_dir()} (set ROCM_LSP_SHARED)", allow_module_level=True)

CASES = load_cases()
EXPECTED = load_expected()

# Cases that are not comparisons of a rocm-lsp profile, excluded by name:
EXCLUDED = {
    # Builds a node that is NOT registered with the graph ("register": false), so torch's
    # V.graph.get_dtype() cannot find it. In rocm-lsp every node of the header is
    # registered: the situation cannot arise.
    "rocm_unregistered_node": "unregistered nodes cannot arise in rocm-lsp",
    # impl "cutlass" is the CUDA sibling CUTLASSTemplateKernel, not a profile rocm-lsp
    # implements (oracle_cases.supported() is False for it).
    "cutlass_sibling_hooks": "CUTLASS is not a rocm-lsp profile",
}

COMPARED = [c for c in CASES if c["id"] not in EXCLUDED and supported(c)]


def test_exclusions_are_exactly_the_known_ones() -> None:
    ids = {c["id"] for c in CASES}
    assert set(EXCLUDED) <= ids, "an excluded case no longer exists: update EXCLUDED"
    unsupported = {c["id"] for c in CASES if not supported(c)}
    assert unsupported <= set(EXCLUDED), f"unsupported cases not excluded by name: {unsupported}"
    assert len(COMPARED) == len(CASES) - len(EXCLUDED)


def test_every_case_has_an_expected_result() -> None:
    assert len({c["id"] for c in CASES}) == len(CASES), "duplicate case ids"
    assert {c["id"] for c in CASES} == set(EXPECTED)


@pytest.mark.parametrize("case", COMPARED, ids=[c["id"] for c in COMPARED])
def test_case_matches_torch(case: dict) -> None:
    ours = run_case(case)
    theirs = EXPECTED[case["id"]]
    problems = differences(ours, theirs)
    assert not problems, "\n".join(problems)
    # The same, as one structural comparison (every call and the final state).
    assert normalise(ours, oracle_side=False) == normalise(theirs, oracle_side=True)

"""rocm-lsp must give exactly what real torch gave, on the recorded cases and templates.

The inputs and torch's outputs are in the repository (docs/exactness.md):
``tests/exactness/cases.json`` holds the hook-level cases, and each
``tests/exactness/torch-<version>.json`` what that torch release returned for them and how it
rendered the bundled templates (``scripts/record_exactness.py`` wrote it). Every recording is
compared; torch 2.13.0's, the release the profiles model, must exist and be current. Missing
data is a failure, never a skip. The only tolerated differences are the documented
normalisations in :mod:`oracle_support`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from oracle_cases import profile_of, run_case, supported
from oracle_support import (
    CASES_FILE,
    EXACTNESS_TEMPLATES,
    REFERENCE_TORCH,
    REPO,
    RERECORD,
    differences,
    load_cases,
    load_recording,
    normalise,
    recording_path,
    recordings,
)
from rocm_lsp.core.diagnostics import Severity
from rocm_lsp.core.engine.analysis import analyze


def _load() -> tuple[list[dict], dict[str, dict]]:
    """The cases and every readable recording (by version); what is missing fails below."""
    try:
        cases = load_cases()
    except (OSError, ValueError):
        cases = []
    found = {}
    for path in recordings():
        try:
            found[path.stem.removeprefix("torch-")] = load_recording(path)
        except (OSError, ValueError):
            continue
    return cases, found


CASES, RECORDINGS = _load()

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


def _in_torch(version: str, case_id: str) -> bool:
    """Whether the recording of ``version`` ran the case (not one for a later torch)."""
    result = next((r for r in RECORDINGS[version]["results"] if r["id"] == case_id), {})
    return "not_in_this_torch" not in result


# Without data, one parameter that fails (an empty parameter set would only be a skip).
MISSING = pytest.param(REFERENCE_TORCH, None, id="no-recorded-data")
CASE_PARAMS = [
    pytest.param(version, case, id=f"{version}:{case['id']}")
    for version in RECORDINGS
    for case in COMPARED
    if _in_torch(version, case["id"])
] or [MISSING]
TEMPLATE_PARAMS = [
    pytest.param(version, entry, mode, id=f"{version}:{Path(entry['path']).name}:{mode}")
    for version, recording in RECORDINGS.items()
    for entry in recording.get("templates", [])
    for mode in entry["renders"]
    if "not_in_this_torch" not in entry["renders"][mode]
] or [pytest.param(REFERENCE_TORCH, None, "dynamic", id="no-recorded-data")]


def _require(item: dict | None) -> dict:
    if item is None:
        load_cases(), load_recording()  # raises, saying how to restore the data
        pytest.fail("the recording holds nothing to compare", pytrace=False)
    return item


def test_exactness_data_is_present() -> None:
    """The cases and torch 2.13.0's recording are in the checkout, and every recording reads."""
    load_cases(), load_recording()  # each raises MissingExactnessData, saying how to restore it
    for path in recordings():
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["torch_version"].split("+")[0] == path.stem.removeprefix("torch-"), path
    assert CASES, f"{CASES_FILE} holds no cases"
    assert REFERENCE_TORCH in RECORDINGS


@pytest.mark.parametrize("version", list(RECORDINGS) or [REFERENCE_TORCH])
def test_recording_is_of_the_current_cases(version: str) -> None:
    recording = load_recording(recording_path(version))
    digest = hashlib.sha256(CASES_FILE.read_bytes()).hexdigest()
    assert recording["cases_sha256"] == digest, (
        f"{CASES_FILE.relative_to(REPO)} changed after torch {version} was recorded: re-record "
        f"with that torch ({RERECORD})"
    )
    assert len(recording["results"]) == len(CASES)


def test_exclusions_are_exactly_the_known_ones() -> None:
    ids = {c["id"] for c in load_cases()}
    assert set(EXCLUDED) <= ids, "an excluded case no longer exists: update EXCLUDED"
    unsupported = {c["id"] for c in CASES if not supported(c)}
    assert unsupported <= set(EXCLUDED), f"unsupported cases not excluded by name: {unsupported}"
    assert len(COMPARED) == len(CASES) - len(EXCLUDED)


@pytest.mark.parametrize("version", list(RECORDINGS) or [REFERENCE_TORCH])
def test_every_case_has_a_recorded_result(version: str) -> None:
    results = {r["id"] for r in load_recording(recording_path(version))["results"]}
    assert len({c["id"] for c in load_cases()}) == len(CASES), "duplicate case ids"
    assert {c["id"] for c in CASES} == results


@pytest.mark.parametrize(("version", "case"), CASE_PARAMS)
def test_case_matches_torch(version: str, case: dict | None) -> None:
    case = _require(case)
    ours = run_case(case, version)
    theirs = next(r for r in RECORDINGS[version]["results"] if r["id"] == case["id"])
    problems = differences(ours, theirs)
    assert not problems, f"torch {version}:\n" + "\n".join(problems)
    # The same, as one structural comparison (every call and the final state).
    assert normalise(ours, oracle_side=False) == normalise(theirs, oracle_side=True)


@pytest.mark.parametrize(("version", "entry", "mode"), TEMPLATE_PARAMS)
def test_template_render_matches_torch(version: str, entry: dict | None, mode: str) -> None:
    """``rocm-lsp render [--static]`` of the recorded source is what Inductor rendered."""
    entry = _require(entry)
    recorded = entry["renders"][mode]
    assert "oracle_error" not in recorded, f"the recorder could not read {entry['path']}: {recorded}"
    header = analyze(entry["source"]).header
    # a rocm-* template renders with the profile of the recording's torch (seed: itself)
    profile = profile_of("seed" if header.profile == "seed" else "rocm", version)
    analysis = analyze(entry["source"], profile, static=mode == "static")
    ours = analysis.rendered.text if analysis.rendered is not None else None
    if "result" in recorded:
        assert ours == recorded["result"], f"{entry['path']} ({mode}) differs from torch {version}'s render"
    else:  # torch raised: so must rocm-lsp, as an error finding
        assert ours is None
        assert any(d.severity is Severity.ERROR for d in analysis.diagnostics), recorded["error"]


def test_recorded_templates_are_the_current_ones() -> None:
    """The reference recording covers every bundled template as it is now."""
    recording = load_recording()
    recorded = {e["path"]: e["source"] for e in recording["templates"]}
    paths = [*sorted((REPO / "templates").glob("*.hip.jinja")), *sorted(EXACTNESS_TEMPLATES.glob("*.jinja"))]
    current = {p.relative_to(REPO).as_posix(): p.read_text(encoding="utf-8") for p in paths}
    stale = sorted(p for p in current.keys() | recorded.keys() if current.get(p) != recorded.get(p))
    assert not stale, (
        f"templates changed, added or removed since torch {REFERENCE_TORCH} was recorded: "
        f"{', '.join(stale)}. Re-record: {RERECORD}"
    )

"""Test tiers: each test gets markers from where it lives and what it needs (no test file names its tier).

  editor    tests/editors/ (a real Neovim)
  e2e       tests/e2e/ and the tests that start the server (an LSP fixture, or a module about the server)
  compiler  tests that run nvcc, hipcc or clang-22 (those skipped when the compiler is missing)
  oracle    tests that need real torch (the live oracle, or torch's ROCm template modules)
  gpu       tests that need a GPU (tests/test_gpu.py marks itself)
  slow      tests/robustness/ (fuzzing, faults, timeouts, pathological input), Hypothesis tests
            anywhere, and building and installing the wheel (tests/test_packaging.py)
  fast      everything else: under a minute (``-m fast``)

A test may have several tiers (an e2e Compile is also ``compiler``); ``fast`` is only given to
a test with none. ``python -m pytest -m fast`` runs the quick tier; ``scripts/test.sh`` runs all.
The markers are registered in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# Fixtures that start the server (pytest-lsp's, in tests/e2e and tests/robustness).
SERVER_FIXTURES = {"client", "session", "editor", "full_disk", "guarded", "lsp_client"}
# Robustness modules whose subject is the running server (some start it by hand, over stdio or TCP).
SERVER_MODULES = {
    "robustness/test_protocol_hardening.py",
    "robustness/test_server_faults.py",
    "robustness/test_server_memory.py",
    "robustness/test_server_pathological.py",
    "robustness/test_lsp_fuzz.py",
}
# Fixtures that copy torch's ROCm template modules from the torch found here (tests/torch_sources.py).
TORCH_FIXTURES = {"torch_rocm", "ck_module"}
SLOW_MODULES = {"test_packaging.py"}  # builds the wheel and sdist, pip-installs them into fresh venvs
COMPILERS = ("nvcc", "hipcc", "clang-22")


def _skip_reasons(item: pytest.Item) -> str:
    reasons = [str(m.kwargs.get("reason", "")) for m in item.iter_markers("skipif")]
    return " ".join(reasons).lower()


def _is_hypothesis(item: pytest.Item) -> bool:
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


def tiers(item: pytest.Item) -> set[str]:
    """The tiers of one collected test (empty: ``fast``)."""
    path = Path(str(item.path)).resolve()
    where = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else path.as_posix()
    fixtures = set(getattr(item, "fixturenames", ()))
    reasons = _skip_reasons(item)
    found = set()
    if where.startswith("editors/"):
        found.add("editor")
    if where.startswith("e2e/") or where in SERVER_MODULES or fixtures & SERVER_FIXTURES:
        found.add("e2e")
    if any(name in reasons for name in COMPILERS):
        found.add("compiler")
    if "oracle" in reasons or fixtures & TORCH_FIXTURES or item.get_closest_marker("oracle"):
        found.add("oracle")
    if item.get_closest_marker("gpu"):
        found.add("gpu")
    if where.startswith("robustness/") or where in SLOW_MODULES or _is_hypothesis(item):
        found.add("slow")
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for name in sorted(tiers(item)) or ["fast"]:
            item.add_marker(name)

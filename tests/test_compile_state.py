"""``CompileResult.state``: how a compile ended, as an enum (``note`` is only the words), and
cached results written before the enum still load with the state their old fields meant."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from rocm_lsp.gpu.compile import CompileResult, CompileState, compile_source
from rocm_lsp.gpu.toolchain import Toolchain

OLD = {
    "library": None, "messages": [], "resources": [], "seconds": 1.0, "cached": False,
    "command": ["nvcc"], "toolchain": "nvcc 12", "note": "",
}  # fmt: skip
ERROR = {"file": "k", "line": 1, "column": 2, "severity": "error", "message": "m"}


@pytest.mark.parametrize(
    ("old", "state"),
    [
        ({"ok": True, "library": "/x/kernel.so"}, CompileState.COMPILED),
        ({"ok": False, "messages": [ERROR]}, CompileState.FAILED),
        ({"ok": False, "note": "nvcc exited with status 2"}, CompileState.FAILED),
        ({"ok": False, "note": "AMD-only", "skipped": True}, CompileState.SKIPPED),
        ({"ok": False, "note": "cancelled"}, CompileState.CANCELLED),
    ],
)
def test_results_cached_by_older_versions_load(old: dict, state: CompileState) -> None:
    result = CompileResult.from_json(json.dumps({**OLD, **old}))
    assert result.state is state
    assert result.ok == (state is CompileState.COMPILED)


def test_round_trip_keeps_the_state_and_writes_ok_for_older_readers() -> None:
    result = CompileResult(CompileState.SKIPPED, None, [], [], 0.0, False, [], "nvcc", note="AMD-only")
    data = json.loads(result.to_json())
    assert data["state"] == "skipped" and data["ok"] is False
    assert CompileResult.from_json(result.to_json()) == result


def _fake(tmp_path: Path, script: str) -> Toolchain:
    fake = tmp_path / "nvcc"
    fake.write_text("#!/bin/sh\n" + script)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return Toolchain("nvidia", str(fake), "sm_90", "fake 1.0", "setting")


def test_each_way_a_compile_ends_has_its_state(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    failing = _fake(tmp_path, "echo 'k.hip.jinja(1): error: nope'\nexit 2\n")
    assert compile_source("int x;\n", "k.hip.jinja", failing, root=root).state is CompileState.FAILED
    amd = compile_source('#include "ck/ck.hpp"\n', "k.hip.jinja", failing, root=root)
    assert (amd.state, amd.note[:36]) == (CompileState.SKIPPED, "this kernel includes Composable Kern")
    missing = Toolchain("nvidia", str(tmp_path / "missing"), "sm_90", "none", "setting")
    assert compile_source("int y;\n", "k.hip.jinja", missing, root=root).state is CompileState.NOT_RUN
    import threading

    cancel = threading.Event()
    cancel.set()
    slow = _fake(tmp_path, "sleep 30\n")
    stopped = compile_source("int z;\n", "k.hip.jinja", slow, root=root, cancel=cancel, timeout=5)
    assert (stopped.state, stopped.note) == (CompileState.CANCELLED, "cancelled")

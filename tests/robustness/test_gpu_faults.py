"""Faults of compilers and benchmark workers end in a message, leave nothing running and
nothing half-written, and never poison the cache (fake tools: no GPU needed). A full disk is
a message too. Concurrent builds of one kernel leave one consistent cache entry."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes import children, fake_compiler, fake_interpreter

from rocm_lsp.core.workspace import cache as check_cache
from rocm_lsp.core.workspace.cache import CheckCache
from rocm_lsp.core.workspace.check import check_file
from rocm_lsp.gpu import bench, child
from rocm_lsp.gpu import compile as gpu_compile
from rocm_lsp.gpu.compile import compile_source
from rocm_lsp.gpu.toolchain import Toolchain

SOURCE = '#include <hip/hip_runtime.h>\nextern "C" int k(float* x) { return 0; }\n'
REPO = Path(__file__).resolve().parents[2]


def _tool(compiler: Path) -> Toolchain:
    return Toolchain("nvidia", str(compiler), "sm_90", "fake nvcc 1.0", "setting")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(
    ("behaviour", "note"),
    [
        ("hang", "the compiler did not finish within 1 s and was stopped"),
        ("hang_with_child", "the compiler did not finish within 1 s and was stopped"),
        ("segfault", "nvcc was killed by SIGSEGV"),
        ("killed", "nvcc was killed by SIGKILL"),
        ("garbage", "nvcc exited with status 1: "),
        ("garbage_exit_0", "nvcc exited with status 0 but wrote no kernel.so"),
        ("flood", "the compiler did not finish within 1 s and was stopped"),
    ],
)
def test_a_failing_compiler_is_a_message_and_is_never_cached(
    behaviour: str, note: str, tmp_path: Path
) -> None:
    tool = _tool(fake_compiler(tmp_path, behaviour))
    root = tmp_path / "cache"
    for _ in range(2):  # the second run compiles again: the failure said nothing about the source
        result = compile_source(SOURCE, "k.hip.jinja", tool, timeout=1.0, root=root)
        assert not result.ok and not result.cached and result.note.startswith(note), result.note
    assert not list(root.rglob("result.json")) and not list(root.rglob(".build-*"))


def test_a_compiler_error_is_cached_and_a_success_too(tmp_path: Path) -> None:
    failing = fake_compiler(tmp_path, "garbage")
    (failing.parent / "nvcc").write_text("#!/bin/sh\necho 'k.hip.jinja(2): error: nope'\nexit 2\n")
    for compiler, ok in ((failing, False), (fake_compiler(tmp_path, "ok"), True)):
        first = compile_source(SOURCE, "k.hip.jinja", _tool(compiler), timeout=10, root=tmp_path / "cache")
        again = compile_source(SOURCE, "k.hip.jinja", _tool(compiler), timeout=10, root=tmp_path / "cache")
        assert (first.ok, first.cached, again.ok, again.cached) == (ok, False, ok, True)


@pytest.mark.parametrize("behaviour", ["leaves_child", "hang_with_child"])
def test_what_a_compiler_leaves_running_is_killed(behaviour: str, tmp_path: Path) -> None:
    compiler = fake_compiler(tmp_path, behaviour)
    start = time.monotonic()
    result = compile_source(SOURCE, "k.hip.jinja", _tool(compiler), timeout=2.0, root=tmp_path / "cache")
    assert time.monotonic() - start < 30  # not the leftover's 1000 s
    assert result.ok == (behaviour == "leaves_child")  # it finished: not a timeout
    (pid,) = children(compiler)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_a_child_that_prints_forever_is_read_with_a_cap(tmp_path: Path) -> None:
    done = child.run([sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x' * 65536)"], 1.0)
    assert done.stopped == "timeout" and done.truncated and len(done.stdout) == child.MAX_OUTPUT


# -- a full disk ------------------------------------------------------------------------------------


def _enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_writing_the_source_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _tool(fake_compiler(tmp_path, "ok"))
    monkeypatch.setattr(Path, "write_text", _enospc)
    result = compile_source(SOURCE, "k.hip.jinja", tool, root=tmp_path / "c")
    assert not result.ok and result.note == "cannot write the build cache: [Errno 28] No space left on device"
    assert not list((tmp_path / "c").rglob(".build-*"))


def test_a_full_disk_while_caching_keeps_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiler = fake_compiler(tmp_path, "ok")  # written before the disk fills
    monkeypatch.setattr(gpu_compile, "atomic_write_text", _enospc)
    result = compile_source(SOURCE, "k.hip.jinja", _tool(compiler), root=tmp_path / "c")
    assert result.ok and Path(result.library).exists()
    assert result.note == "built, but the cache could not be written: [Errno 28] No space left on device"


def test_an_unwritable_cache_folder_is_a_message(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = compile_source(SOURCE, "k.hip.jinja", _tool(fake_compiler(tmp_path, "ok")), root=blocker)
    assert not result.ok and result.note.startswith("cannot write the build cache: ")


def test_a_full_disk_under_the_check_cache_only_loses_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_cache, "atomic_write_text", _enospc)
    store = CheckCache(tmp_path / "check")
    template = REPO / "templates" / "gemm_bias_fp16.hip.jinja"
    assert check_file(template, cache=store).diagnostics == check_file(template).diagnostics
    assert not store.usable


# -- the benchmark worker -----------------------------------------------------------------------------

REQUEST = {"version": 1, "library": "/nonexistent.so", "symbol": "k", "args": []}


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        ("segfault", "the benchmark worker crashed (it was killed by SIGSEGV): no output"),
        ("killed", "the benchmark worker crashed (it was killed by SIGKILL): no output"),
        (
            "hang",
            "the benchmark did not finish within 1 s (a hang or a very slow kernel?); the worker was killed",
        ),
        ("flood", "the benchmark did not finish within 1 s"),
        ("garbage", "the benchmark worker's report is unreadable: it printed no JSON report"),
        ("wrong_shape", "the benchmark worker's report is unreadable: timing is not a dict"),
        ("fault_then_crash", "the kernel failed on the device: CUDA error: an illegal memory access"),
    ],
)
def test_a_failing_worker_is_a_message(behaviour: str, error: str, tmp_path: Path) -> None:
    report = bench.run_worker(REQUEST, str(fake_interpreter(tmp_path, behaviour)), timeout=1.0)
    assert report["ok"] is False and report["error"].startswith(error), report


def test_a_worker_that_answers_is_read(tmp_path: Path) -> None:
    report = bench.run_worker(REQUEST, str(fake_interpreter(tmp_path, "ok")), timeout=30)
    assert report["ok"] and bench.summarize(report) == "1.5 ms · ref ✓"


# -- concurrent builds of one kernel -------------------------------------------------------------------

CONCURRENT = """
import sys
from pathlib import Path
from rocm_lsp.gpu.compile import compile_source
from rocm_lsp.gpu.toolchain import Toolchain
tool = Toolchain("nvidia", sys.argv[1], "sm_90", "fake nvcc 1.0", "setting")
result = compile_source(sys.argv[3], "k.hip.jinja", tool, root=Path(sys.argv[2]))
print(result.ok, result.library)
"""


def test_concurrent_builds_of_one_kernel_leave_one_consistent_entry(tmp_path: Path) -> None:
    compiler = fake_compiler(tmp_path, "slow_ok")
    root = tmp_path / "cache"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, str(compiler), str(root), SOURCE],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(outputs) == 1 and outputs.pop().startswith("True ")
    (report,) = root.rglob("result.json")
    assert json.loads(report.read_text())["ok"] is True
    (library,) = root.rglob("kernel.so")
    assert library.read_text().startswith("ELF fake library for ")
    assert not list(root.rglob(".build-*")) and not list(root.rglob(".tmp-*"))

"""Compile and Benchmark faults through the real server's commands: a compiler that hangs,
crashes, is killed or prints garbage; a benchmark worker that segfaults, hangs, is killed,
floods its output or answers nonsense; a cache folder that cannot be written. Each ends in a
message, the server stays up, and the next request works. Concurrent Compile clicks on one
kernel leave one consistent cache entry."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fakes import children, fake_compiler, fake_interpreter
from lsp_session import WORK, diagnostics_of, server_problems
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

REPO = Path(__file__).resolve().parents[2]
GEMM = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text()


def _configure(client: LanguageClient, **settings: object) -> None:
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"rocmLsp": settings})
    )


async def _command(client: LanguageClient, name: str, uri: str) -> str:
    return await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=name, arguments=[uri])
    )


async def _still_answers(client: LanguageClient, uri: str) -> None:
    where = lsp.Position(GEMM[: GEMM.index("kernel.def_kernel(")].count("\n"), 12)
    hover = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(uri), where))
    assert hover is not None and "PT_EXPORT" in hover.contents.value


async def _open_gemm(client: LanguageClient, folder: Path) -> str:
    path = folder / "gemm_bias_fp16.hip.jinja"
    path.write_text(GEMM)
    item = lsp.TextDocumentItem(uri=path.as_uri(), language_id="jinja", version=1, text=GEMM)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
    await diagnostics_of(client, path.as_uri(), 1)
    return path.as_uri()


async def _each_fault(
    client: LanguageClient,
    uri: str,
    command: str,
    faults: list[tuple[str, str]],
    settings: Callable[[str], dict[str, object]],
) -> None:
    """Run ``command`` with each fault's settings: its answer starts as expected, and the
    server still answers a hover."""
    for fault, says in faults:
        _configure(client, **settings(fault))
        answer = await _command(client, command, uri)
        assert answer.startswith(says), (fault, answer)
        await _still_answers(client, uri)


COMPILER_FAULTS = [
    ("hang", "the compiler did not finish within 2 s and was stopped"),
    ("hang_with_child", "the compiler did not finish within 2 s and was stopped"),
    ("segfault", "nvcc was killed by SIGSEGV"),
    ("killed", "nvcc was killed by SIGKILL"),
    ("garbage", "nvcc exited with status 1: "),
    ("flood", "the compiler did not finish within 2 s and was stopped"),
]


WORKER_FAULTS = [
    ("segfault", "benchmark failed: the benchmark worker crashed (it was killed by SIGSEGV)"),
    ("hang", "benchmark failed: the benchmark did not finish within 2 s"),
    ("killed", "benchmark failed: the benchmark worker crashed (it was killed by SIGKILL)"),
    ("garbage", "benchmark failed: the benchmark worker's report is unreadable: it printed no JSON report"),
    ("wrong_shape", "benchmark failed: the benchmark worker's report is unreadable: timing is not a dict"),
    ("flood", "benchmark failed: the benchmark did not finish within 2 s"),
    ("fault_then_crash", "benchmark failed: the kernel failed on the device: CUDA error: an illegal memory"),
]


def _compiler(tmp: Path, fault: str) -> dict[str, object]:
    return {"compiler": str(fake_compiler(tmp, fault)), "compileTimeout": 2}


def _worker(tmp: Path, fault: str) -> dict[str, object]:
    python = str(fake_interpreter(tmp, fault))
    return {"compiler": str(fake_compiler(tmp, "ok")), "benchmarkInterpreter": python, "benchmarkTimeout": 2}


SCENARIOS = {  # command, its faults, settings for a fault, what the working run says, its lens
    "compile": ("rocm-lsp.compile", COMPILER_FAULTS, _compiler, "compiled with nvcc for sm_", "Compile ✓"),
    "benchmark": ("rocm-lsp.benchmark", WORKER_FAULTS, _worker, "1.5 ms · ref ✓", "Benchmark: 1.5 ms"),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_faults_are_messages_and_the_next_run_works(
    editor: LanguageClient, tmp_path: Path, scenario: str
) -> None:
    client = editor
    command, faults, settings, works, lens = SCENARIOS[scenario]
    uri = await _open_gemm(client, tmp_path)
    await _each_fault(client, uri, command, faults, lambda fault: settings(tmp_path, fault))
    _configure(client, **settings(tmp_path, "ok"))
    assert (await _command(client, command, uri)).startswith(works)
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri)))
    assert any(item.command.title.startswith(lens) for item in lenses)
    assert server_problems(client) == []


async def test_concurrent_compile_clicks_leave_one_consistent_cache_entry(
    editor: LanguageClient, tmp_path: Path
) -> None:
    client = editor
    uri = await _open_gemm(client, tmp_path)
    _configure(client, compiler=str(fake_compiler(tmp_path, "slow_ok")))
    summaries = await asyncio.gather(*[_command(client, "rocm-lsp.compile", uri) for _ in range(5)])
    assert all(s.startswith("compiled with nvcc for sm_") for s in summaries), summaries
    entries = [p for p in (WORK / "cache" / "build").rglob("result.json") if "slow_ok" in p.read_text()]
    (report,) = entries
    assert json.loads(report.read_text())["ok"] is True
    assert (report.parent / "kernel.so").read_text().startswith("ELF fake library for ")
    assert not list(report.parent.glob(".build-*")) and not list(report.parent.glob(".tmp-*"))
    await _still_answers(client, uri)
    assert server_problems(client) == []


@pytest.mark.parametrize("command", ["rocm-lsp.compile", "rocm-lsp.benchmark", "rocm-lsp.preview"])
async def test_an_unwritable_cache_is_a_message(
    full_disk: LanguageClient, tmp_path: Path, command: str
) -> None:
    client = full_disk
    uri = await _open_gemm(client, tmp_path)
    python = str(fake_interpreter(tmp_path, "ok"))  # has torch: the benchmark goes on to compile
    _configure(client, compiler=str(fake_compiler(tmp_path, "ok")), benchmarkInterpreter=python)
    answer = await _command(client, command, uri)
    if command == "rocm-lsp.preview":
        await _still_answers(client, uri)
        assert any("cannot write the preview" in m.message for m in client.log_messages)
    else:
        assert "cannot write the build cache" in answer, answer
    await _still_answers(client, uri)
    assert server_problems(client) == []


async def test_cancel_stops_a_hanging_compiler_and_what_it_started(
    editor: LanguageClient, tmp_path: Path
) -> None:
    client = editor
    uri = await _open_gemm(client, tmp_path)
    compiler = fake_compiler(tmp_path, "hang_with_child")
    _configure(client, compiler=str(compiler), compileTimeout=600)
    running = asyncio.ensure_future(_command(client, "rocm-lsp.compile", uri))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not children(compiler) and loop.time() < deadline:  # the compiler has started
        await asyncio.sleep(0.05)
    (token,) = [t for t, reports in client.progress_reports.items() if reports and not running.done()]
    client.window_work_done_progress_cancel(lsp.WorkDoneProgressCancelParams(token=token))
    assert await asyncio.wait_for(running, 60) == "compile cancelled"
    (pid,) = children(compiler)
    while Path(f"/proc/{pid}").exists() and loop.time() < deadline:
        await asyncio.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists()
    await _still_answers(client, uri)


async def test_a_reopened_document_shows_no_old_outcome(editor: LanguageClient, tmp_path: Path) -> None:
    # Versions count from 1 again after a reopen: an outcome kept from before passed for new.
    client = editor
    uri = await _open_gemm(client, tmp_path)
    _configure(client, compiler=str(fake_compiler(tmp_path, "ok")))
    assert (await _command(client, "rocm-lsp.compile", uri)).startswith("compiled with nvcc")
    doc = lsp.TextDocumentIdentifier(uri)
    titles = [
        lens.command.title for lens in await client.text_document_code_lens_async(lsp.CodeLensParams(doc))
    ]
    assert titles[1].startswith("Compile ✓")
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(doc))
    await _open_gemm(client, tmp_path)
    titles = [
        lens.command.title for lens in await client.text_document_code_lens_async(lsp.CodeLensParams(doc))
    ]
    assert titles[1:] == ["Compile", "Benchmark", "Assembly (gfx942)", "Compare targets", "Tune"]

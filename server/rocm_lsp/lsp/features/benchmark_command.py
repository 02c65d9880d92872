"""The ``rocm-lsp.benchmark`` command (and Benchmark lens): compile, check the reference and
time the kernel in a worker process (the benchmark interpreter, with torch), with progress,
cancel and a timeout; the lens title shows the result, the log the full report."""

from __future__ import annotations

import json
from pathlib import Path

from pygls.uris import to_fs_path

from rocm_lsp.core.diagnostics import Severity
from rocm_lsp.lsp import convert
from rocm_lsp.lsp.contract import BENCHMARK_COMMAND
from rocm_lsp.lsp.server import RocmLanguageServer


def lens_title(ls: RocmLanguageServer, uri: str, version: int | None) -> str:
    outcome = ls.bench_outcomes.get(uri)
    if outcome is None or outcome[0] != version:
        return "Benchmark"
    return f"Benchmark: {outcome[1]}"


def register(server: RocmLanguageServer) -> None:
    @server.command(BENCHMARK_COMMAND)
    async def benchmark_command(ls: RocmLanguageServer, uri: str) -> str | None:
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None:
            return None
        from rocm_lsp.gpu.bench import benchmark

        gpu, profile = ls.gpu_settings, ls.settings.profile
        path = Path(to_fs_path(uri) or uri)
        text = snapshot.analysis.text
        outcome, cancelled = await ls.run_with_progress(
            "rocm-lsp: compiling and benchmarking", lambda cancel: benchmark(path, text, gpu, profile, cancel)
        )
        message = "cancelled" if cancelled else outcome.message
        if ls.is_open(uri):  # not for a document closed meanwhile
            ls.bench_outcomes[uri] = (snapshot.version, message)
        report = json.dumps(outcome.report, indent=2)
        ls.window_log_message(convert.log_message(f"rocm-lsp benchmark of {path.name}: {message}\n{report}"))
        severity = Severity.INFO if outcome.ok else Severity.WARNING
        ls.window_show_message(convert.show_message(f"{path.name}: {message}", severity))
        ls.refresh_lenses()
        return message

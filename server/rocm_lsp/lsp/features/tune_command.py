"""The ``rocm-lsp.tune`` command (and Tune lens): sweep the template's ``[tune]`` space
(``gpu.tune``) with progress and cancel, open the ranked table as a Markdown file, and offer the
winner: the ``rocm-lsp.applyTuned`` command (an "Apply best" lens) and a code action write it
into ``[vars]`` with ``workspace/applyEdit``.

It runs compilers and the benchmark interpreter: the extension refuses it in untrusted
workspaces, as Compile and Benchmark."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pygls.uris import to_fs_path

from rocm_lsp.core.text import Edit
from rocm_lsp.core.workspace.files import atomic_write_text, user_cache_dir
from rocm_lsp.lsp import convert
from rocm_lsp.lsp.contract import APPLY_TUNED_COMMAND, TUNE_COMMAND
from rocm_lsp.lsp.features.assembly_command import show_file
from rocm_lsp.lsp.features.preview import generated_stem
from rocm_lsp.lsp.server import Reported, RocmLanguageServer, TemplateSnapshot

APPLY_KIND = "refactor.rewrite.applyTunedVars"


@dataclass(frozen=True)
class TuneOutcome:
    version: int | None  # the document version the sweep ran on
    headline: str  # "best BLOCK=256: 0.072 ms · 3.20× eager · 0.95× Inductor" or why none
    winner: dict[str, Any] | None  # the best configuration's [vars] values
    table: str  # the ranked table's file


def table_path(uri: str) -> Path:
    return user_cache_dir("tune") / f"{generated_stem(uri)}.tune.md"


def lens_title(ls: RocmLanguageServer, uri: str, version: int | None) -> str:
    outcome = ls.tune_outcomes.get(uri)
    if outcome is None or outcome.version != version:
        return "Tune"
    return f"Tune: {outcome.headline}"


def winner_edits(ls: RocmLanguageServer, snapshot: TemplateSnapshot) -> tuple[Edit, ...]:
    """The edits that write the last sweep's winner into the document's ``[vars]`` (none when
    there is no winner, the values are already there or a tuned name left ``[vars]``)."""
    outcome = ls.tune_outcomes.get(snapshot.uri)
    if outcome is None or not outcome.winner:
        return ()
    header = snapshot.analysis.header
    now = header.vars
    changed = {k: v for k, v in outcome.winner.items() if now.get(k) != v or type(now.get(k)) is not type(v)}
    from rocm_lsp.core.features import tune_space  # the engine's header model: not at start-up

    try:
        return tune_space.assign_vars(header, changed)
    except KeyError:
        return ()


def apply_title(ls: RocmLanguageServer, uri: str) -> str:
    from rocm_lsp.core.features import tune_space

    winner = ls.tune_outcomes[uri].winner or {}
    label = ", ".join(f"{k}={tune_space.toml_literal(v)}" for k, v in winner.items())
    return f"Apply tuned [vars]: {label}"


def register(server: RocmLanguageServer) -> None:
    @server.command(TUNE_COMMAND)
    async def tune_command(ls: RocmLanguageServer, uri: str) -> str | None:
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None:
            return None
        from rocm_lsp.gpu import tune

        path = Path(to_fs_path(uri) or uri)
        text, gpu, profile = snapshot.analysis.text, ls.gpu_settings, ls.settings.profile
        reported = Reported()

        def sweep(cancel: Any) -> tune.TuneResult | str:
            try:
                return tune.tune(path, text, gpu, profile, cancel, reported)
            except tune.TuneError as exc:
                return f"not tuned: {exc}"

        mode = (
            " (torch.compile max-autotune: tens of seconds for a GEMM)"
            if gpu.inductor == "max-autotune"
            else ""
        )
        result, cancelled = await ls.run_with_progress(f"rocm-lsp: tuning {path.name}{mode}", sweep, reported)
        if isinstance(result, str):
            ls.window_show_message(convert.show_message(f"{path.name}: {result}"))
            return result
        headline = ("cancelled: " if cancelled else "") + tune.headline(result)
        table = table_path(uri)
        try:
            atomic_write_text(table, tune.markdown(result))
        except OSError as exc:
            ls.log_warning(f"rocm-lsp: cannot write {table}: {exc}")
        winner = result.winner.configuration.as_dict() if result.winner else None
        if ls.is_open(uri):
            ls.tune_outcomes[uri] = TuneOutcome(snapshot.version, headline, winner, str(table))
        ls.window_log_message(convert.log_message(f"rocm-lsp tune of {path.name}: {headline}\n{table}"))
        ls.window_show_message(convert.show_message(f"{path.name}: {headline}"))
        await show_file(ls, table)
        ls.refresh_lenses()
        return headline

    @server.command(APPLY_TUNED_COMMAND)
    async def apply_tuned(ls: RocmLanguageServer, uri: str) -> bool | None:
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None:
            return None
        edits = winner_edits(ls, snapshot)
        if not edits:
            return False
        version = snapshot.version if convert.takes_document_changes(ls.client_capabilities) else None
        edit = convert.workspace_edit(edits, snapshot.positions, uri, version)
        answer = await ls.workspace_apply_edit_async(convert.apply_edit(edit, apply_title(ls, uri)))
        return bool(answer.applied)

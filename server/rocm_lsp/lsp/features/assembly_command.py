"""The ``rocm-lsp.assembly`` command (and Assembly lens): the kernel's ISA (AMD) or PTX (NVIDIA)
for a target, grouped under the template lines, in a real file the client opens
(``window/showDocument``) — at the blocks of one template line when one is asked for — and
rewritten when the template is saved; ``rocm-lsp.compareTargets``: the resource table of every
configured target, compiled at once, as a Markdown file.

Both run compilers: the extension refuses them in untrusted workspaces, as Compile."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pygls.uris import from_fs_path, to_fs_path

from rocm_lsp.core.workspace.config import gpu_from_mapping
from rocm_lsp.core.workspace.files import atomic_write_text, user_cache_dir
from rocm_lsp.lsp import convert
from rocm_lsp.lsp.contract import ASSEMBLY_COMMAND, COMPARE_COMMAND
from rocm_lsp.lsp.features.preview import generated_stem
from rocm_lsp.lsp.server import RocmLanguageServer, TemplateSnapshot


def cache_dir() -> Path:
    """Assembly views and target tables (``core.files.user_cache_dir``)."""
    return user_cache_dir("assembly")


def assembly_path(uri: str, target: str) -> Path:
    return (
        cache_dir()
        / f"{generated_stem(uri)}.{target}.{'ptx' if target.startswith(('sm_', 'compute_')) else 's'}"
    )


def compare_path(uri: str) -> Path:
    return cache_dir() / f"{generated_stem(uri)}.targets.md"


def _target(ls: RocmLanguageServer, value: Any) -> str | None:
    """The target asked for (None or "": the default); None when it is not a target name."""
    if value in (None, ""):
        return ls.gpu_settings.default_target
    if not isinstance(value, str) or gpu_from_mapping({"targets": [value]}).errors:
        return None
    return value


def _line(value: Any) -> int | None | bool:
    """The 1-based template line asked for: None for none, False when it is not a line number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return False
    return value


async def show_file(ls: RocmLanguageServer, path: Path, line: int | None = None, focus: bool = False) -> None:
    """Open ``path`` in the client (at the 0-based ``line``), else name it in a message."""
    target = from_fs_path(str(path)) or path.as_uri()
    caps = ls.client_capabilities.window
    if caps is not None and caps.show_document is not None and caps.show_document.support:
        await ls.window_show_document_async(convert.show_document(target, line, focus))
    else:
        ls.window_show_message(convert.show_message(f"rocm-lsp: {path}"))


async def _view(ls: RocmLanguageServer, snapshot: TemplateSnapshot, target: str):  # noqa: ANN202
    """Build the assembly view (with progress and cancel); the compile's findings and lens title
    become the document's compile outcome, as a Compile's do. None when cancelled."""
    from rocm_lsp.gpu.targets import assembly_view
    from rocm_lsp.lsp.features import compile_command, diagnostics

    uri = snapshot.uri
    path = Path(to_fs_path(uri) or uri)
    text, gpu, profile = snapshot.analysis.text, ls.gpu_settings, ls.settings.profile
    view, cancelled = await ls.run_with_progress(
        f"rocm-lsp: assembly for {target}",
        lambda cancel: assembly_view(path, text, gpu, target, profile, cancel),
    )
    if cancelled:
        return None
    if ls.is_open(uri):
        title, summary = compile_command.describe(view.build)
        outcome = compile_command.CompileOutcome(snapshot.version, title, summary, view.build.diagnostics)
        ls.compile_outcomes[uri] = outcome
        await diagnostics.findings_changed(ls, uri)
        ls.refresh_lenses()
    return view


def _write(ls: RocmLanguageServer, path: Path, text: str) -> bool:
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        ls.log_warning(f"rocm-lsp: cannot write {path}: {exc}")
        return False
    return True


async def regenerate(ls: RocmLanguageServer, uri: str) -> None:
    """Rewrite the open assembly views of a saved template (each target in turn)."""
    for target, file in list(ls.assemblies.get(uri, {}).items()):
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None:
            return
        view = await _view(ls, snapshot, target)
        if view is None:
            return
        text = view.document.text if view.document is not None else _problem_text(target, view.problem)
        _write(ls, Path(file), text)


def _problem_text(target: str, problem: str) -> str:
    return f"// rocm-lsp: no assembly for {target}: {problem}\n"


def regenerate_soon(ls: RocmLanguageServer, uri: str) -> None:
    """After a save: rewrite the template's assembly views in the background, if any is open."""
    if ls.assemblies.get(uri):
        task = asyncio.get_running_loop().create_task(regenerate(ls, uri))
        ls.background.add(task)
        task.add_done_callback(ls.background.discard)


def register(server: RocmLanguageServer) -> None:
    @server.command(ASSEMBLY_COMMAND)
    async def assembly(ls: RocmLanguageServer, uri: str, *rest: Any) -> str | None:
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None:
            return None
        target = _target(ls, rest[0] if rest else None)
        line = _line(rest[1] if len(rest) > 1 else None)
        if target is None or line is False:
            return (
                f"{ASSEMBLY_COMMAND}: the arguments are the template's URI, a target such as gfx942 "
                "(or null) and a 1-based line (or null)"
            )
        view = await _view(ls, snapshot, target)
        if view is None:
            return "cancelled"
        if view.document is None:
            message = f"no assembly for {target}: {view.problem}"
            ls.window_show_message(convert.show_message(f"rocm-lsp: {message}"))
            return message
        path = assembly_path(uri, target)
        if not _write(ls, path, view.document.text):
            return f"cannot write {path}"
        ls.assemblies.setdefault(uri, {})[target] = str(path)
        listing = view.listing
        count = sum(len(b.instructions) for k in listing.kernels for b in k.blocks) if listing else 0
        language = listing.language if listing is not None else "assembly"
        summary = f"{language} for {target}: {count} instructions in {path}"
        at = None
        if isinstance(line, int):
            starts = view.document.lines.get(line, [])
            at = starts[0] if starts else None
            if at is None:
                summary = f"template line {line} produced no instructions for {target}; {summary}"
                ls.window_show_message(convert.show_message(f"rocm-lsp: {summary}"))
        await show_file(ls, path, at, focus=isinstance(line, int))
        return summary

    @server.command(COMPARE_COMMAND)
    async def compare_targets(ls: RocmLanguageServer, uri: str) -> str | None:
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None:
            return None
        from rocm_lsp.gpu.targets import compare, markdown

        path = Path(to_fs_path(uri) or uri)
        text, gpu, profile = snapshot.analysis.text, ls.gpu_settings, ls.settings.profile
        results, cancelled = await ls.run_with_progress(
            f"rocm-lsp: compiling for {', '.join(gpu.targets)}",
            lambda cancel: compare(path, text, gpu, gpu.targets, profile, cancel),
        )
        if cancelled:
            return "cancelled"
        table = compare_path(uri)
        if not _write(ls, table, markdown(path, results)):
            return f"cannot write {table}"
        await show_file(ls, table)
        failed = [r.target for r in results if r.problem]
        done = f"compared {', '.join(r.target for r in results)} in {table}"
        return done + (f" (not compiled for {', '.join(failed)})" if failed else "")

"""``rocm-lsp.previewWithTorch`` (and its lens on each ROCm template class of a Python module):
the C++ Inductor generates for an op choice, rendered by the user's torch in a worker process
(``gpu/py_render.py``), written to a file the client opens and re-rendered when the module is
saved; a failure is an RL408 finding on the module. ``rocm-lsp.torchChoices`` lists a class's
op choices for a picker.

Both run the benchmark interpreter on the workspace's code: only on request, and the extension
refuses them in untrusted workspaces, as Compile."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pygls.uris import to_fs_path

from rocm_lsp.core.workspace.files import atomic_write_text, user_cache_dir
from rocm_lsp.lsp import convert
from rocm_lsp.lsp.contract import PREVIEW_SUFFIX, TORCH_CHOICES_COMMAND, TORCH_PREVIEW_COMMAND
from rocm_lsp.lsp.features.assembly_command import show_file
from rocm_lsp.lsp.features.preview import generated_stem
from rocm_lsp.lsp.server import PythonSnapshot, RocmLanguageServer, is_python

USAGE = (
    f"{TORCH_PREVIEW_COMMAND}: the arguments are the module's URI, then optionally a template class "
    "name, a choice (index or name fragment), a problem object ({op, M, N, K, B, dtype, layout}) and "
    "true to also compile it"
)


def preview_path(uri: str, class_name: str) -> Path:
    stem = generated_stem(uri).replace(".py", "")
    return user_cache_dir("preview") / f"{stem}.{class_name}{PREVIEW_SUFFIX}"


async def _module(ls: RocmLanguageServer, uri: str) -> PythonSnapshot | None:
    if not is_python(uri) or not ls.is_open(uri):
        return None
    snapshot = await ls.snapshot(uri)
    return snapshot if isinstance(snapshot, PythonSnapshot) else None


def _class(text: str, wanted: Any) -> str | None:
    from rocm_lsp.gpu.py_render import template_classes

    names = [c.name for c in template_classes(text)]
    if wanted in (None, ""):
        return names[0] if len(names) == 1 else None
    return wanted if wanted in names else None


async def _render(
    ls: RocmLanguageServer,
    snapshot: PythonSnapshot,
    class_name: str,
    choice: Any,
    problem: Any,
    list_only: bool = False,
    build: bool = False,
):  # noqa: ANN202
    from rocm_lsp.gpu.py_render import compile_preview, render_py
    from rocm_lsp.lsp.features import compile_command, diagnostics

    uri = snapshot.uri
    path = Path(to_fs_path(uri) or uri)
    text, gpu = snapshot.analysis.text, ls.gpu_settings

    def job(cancel: Any) -> Any:
        rendered = render_py(path, text, class_name, gpu, problem or {}, choice, list_only, cancel=cancel)
        if build and rendered.source is not None and not cancel.is_set():
            summary, found = compile_preview(path, text, class_name, rendered, gpu, cancel)
            rendered.message = f"{rendered.message}; {summary}"
            rendered.diagnostics += found
        return rendered

    title = f"rocm-lsp: {'rendering and compiling' if build else 'rendering'} {class_name} with torch"
    result, cancelled = await ls.run_with_progress(title, job)
    if cancelled:
        return None
    if ls.is_open(uri) and not list_only:  # the failure (or none) is the module's, until the next edit
        outcome = compile_command.CompileOutcome(
            snapshot.version, result.message, result.message, result.diagnostics
        )
        ls.compile_outcomes[uri] = outcome
        await diagnostics.findings_changed(ls, uri)
    return result


def register(server: RocmLanguageServer) -> None:
    @server.command(TORCH_PREVIEW_COMMAND)
    async def preview_with_torch(ls: RocmLanguageServer, uri: str, *rest: Any) -> str | None:
        snapshot = await _module(ls, uri)
        if snapshot is None:
            return None
        class_name = _class(snapshot.analysis.text, rest[0] if rest else None)
        choice = rest[1] if len(rest) > 1 else None
        problem = rest[2] if len(rest) > 2 else None
        build = rest[3] if len(rest) > 3 else False
        if (
            class_name is None
            or not isinstance(choice, (int, str, type(None)))
            or not isinstance(problem, (dict, type(None)))
            or not isinstance(build, bool)
        ):
            return USAGE
        result = await _render(ls, snapshot, class_name, choice, problem, build=build)
        if result is None:
            return "cancelled"
        if result.source is None:
            ls.window_show_message(convert.show_message(f"rocm-lsp: {result.message}"))
            return result.message
        path = preview_path(uri, class_name)
        try:
            atomic_write_text(path, result.source)
        except OSError as exc:
            return f"cannot write {path}: {exc}"
        ls.torch_previews.setdefault(uri, {})[class_name] = (
            result.answer.get("choice"),
            problem,
            str(path),
            build,
        )
        await show_file(ls, path)
        return f"{result.message} in {path}"

    @server.command(TORCH_CHOICES_COMMAND)
    async def torch_choices(
        ls: RocmLanguageServer, uri: str, *rest: Any
    ) -> list[dict[str, Any]] | str | None:
        snapshot = await _module(ls, uri)
        if snapshot is None:
            return None
        class_name = _class(snapshot.analysis.text, rest[0] if rest else None)
        problem = rest[1] if len(rest) > 1 else None
        if class_name is None or not isinstance(problem, (dict, type(None))):
            return USAGE
        result = await _render(ls, snapshot, class_name, None, problem, list_only=True)
        if result is None:
            return "cancelled"
        return list(result.answer.get("choices") or []) if result.ok else result.message


async def regenerate(ls: RocmLanguageServer, uri: str) -> None:
    """Render the module's open previews again (after a save), each with its choice and problem."""
    for class_name, (choice, problem, file, build) in list(ls.torch_previews.get(uri, {}).items()):
        snapshot = await _module(ls, uri)
        if snapshot is None:
            return
        result = await _render(ls, snapshot, class_name, choice, problem, build=build)
        if result is None:
            return
        text = result.source if result.source is not None else f"// rocm-lsp: {result.message}\n"
        try:
            atomic_write_text(Path(file), text)
        except OSError as exc:
            ls.log_warning(f"rocm-lsp: cannot write {file}: {exc}")


def regenerate_soon(ls: RocmLanguageServer, uri: str) -> None:
    if ls.torch_previews.get(uri):
        task = asyncio.get_running_loop().create_task(regenerate(ls, uri))
        ls.background.add(task)
        task.add_done_callback(ls.background.discard)

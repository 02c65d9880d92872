"""The ``rocm-lsp.preview`` command: the generated C++ in a real file, shown by the client
(``window/showDocument``) and rewritten on every change while the template is open."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pygls.uris import from_fs_path

from rocm_lsp.core.workspace.files import atomic_write_text, user_cache_dir
from rocm_lsp.lsp import convert
from rocm_lsp.lsp.contract import PREVIEW_COMMAND, PREVIEW_SUFFIX, RENDER_COMMAND, TEMPLATE_SUFFIX
from rocm_lsp.lsp.protocol import valid_text
from rocm_lsp.lsp.server import RocmLanguageServer, Snapshot, TemplateSnapshot


def cache_dir() -> Path:
    """Generated-C++ previews (``core.files.user_cache_dir``)."""
    return user_cache_dir("preview")


def generated_stem(uri: str) -> str:
    """The name of a file rocm-lsp generates for a template: its name and a digest of its URI."""
    name = uri.rstrip("/").rsplit("/", 1)[-1].removesuffix(TEMPLATE_SUFFIX) or "template"
    return f"{name}-{hashlib.sha256(uri.encode()).hexdigest()[:10]}"


def preview_path(uri: str) -> Path:
    return cache_dir() / f"{generated_stem(uri)}{PREVIEW_SUFFIX}"


def content(snapshot: TemplateSnapshot, previous: str | None) -> str:
    """The preview's text (valid UTF-8: lone surrogates a template rendered become U+FFFD)."""
    return valid_text(_content(snapshot, previous))


def _content(snapshot: TemplateSnapshot, previous: str | None) -> str:
    rendered = snapshot.analysis.rendered
    if rendered is not None and rendered.text is not None:
        return rendered.text
    errors = [d for d in snapshot.analysis.diagnostics if d.severity.label == "error"][:5]
    lines = ["// rocm-lsp: the template does not render right now:"]
    for d in errors:
        line, col = snapshot.analysis.index.position(d.span.start)
        lines.append(f"//   {line + 1}:{col + 1}: {d.code} {d.message.splitlines()[0]}")
    banner = "\n".join(lines) + "\n"
    if previous is not None:
        return banner + "// (last successful render below)\n" + previous
    return banner


def refresh(ls: RocmLanguageServer, snapshot: Snapshot) -> None:
    """Rewrite the preview of a template whose preview is open."""
    path = ls.previews.get(snapshot.uri)
    if path is None or not isinstance(snapshot, TemplateSnapshot):
        return
    target = Path(path)
    previous = None
    rendered = snapshot.analysis.rendered
    if rendered is None or rendered.text is None:
        try:
            previous = target.read_text(encoding="utf-8")
            if previous.startswith("// rocm-lsp: the template does not render"):
                marker = "// (last successful render below)\n"
                previous = previous.split(marker, 1)[1] if marker in previous else None
        except OSError:
            previous = None
    try:
        atomic_write_text(target, content(snapshot, previous))
    except OSError as exc:
        ls.log_warning(f"rocm-lsp: cannot write the preview {target}: {exc}")


def register(server: RocmLanguageServer) -> None:
    @server.command(PREVIEW_COMMAND)
    async def preview(ls: RocmLanguageServer, uri: str) -> str | None:
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None or not ls.is_open(uri):
            return None
        path = preview_path(uri)
        ls.previews[uri] = str(path)
        refresh(ls, snapshot)
        target = from_fs_path(str(path)) or path.as_uri()
        caps = ls.client_capabilities.window
        if caps is not None and caps.show_document is not None and caps.show_document.support:
            await ls.window_show_document_async(convert.show_document(target))
        else:
            ls.window_show_message(convert.show_message(f"rocm-lsp: generated C++ in {path}"))
        return target

    @server.command(RENDER_COMMAND)
    async def render(ls: RocmLanguageServer, uri: str) -> str | None:
        """The rendered text itself (for clients that prefer to show it their way)."""
        snapshot = await ls.template_snapshot(uri)
        if snapshot is None or snapshot.analysis.rendered is None:
            return None  # not a template (a Python module renders nothing by itself), or closed
        return snapshot.analysis.rendered.text

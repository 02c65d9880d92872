"""The analysis of one template document: header, structure, render, diagnostics.

:func:`analyze` is the single diagnostics engine: ``rocm-lsp check`` and the language
server both call it, so the two can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import jinja2
from jinja2 import meta

from rocm_lsp.core import hook_checks
from rocm_lsp.core.budget import RenderTimeout
from rocm_lsp.core.diagnostics import Diagnostic, Related, make
from rocm_lsp.core.header import JINJA_GLOBALS, Header, parse_header
from rocm_lsp.core.jinja_env import RenderBudgetError, environment
from rocm_lsp.core.kernel import HookCall, HookError, HookNote, Locator
from rocm_lsp.core.profiles import PROFILES, profiles_with_hook
from rocm_lsp.core.render import RENDER_SECONDS, Rendered, RenderFailure, parse, render
from rocm_lsp.core.structure import HookSite, Outline, outline
from rocm_lsp.core.symbolic import SizeOverflowError
from rocm_lsp.core.text import LineIndex, Span

MAX_TEMPLATE_BYTES = 4 * 1024 * 1024
# `{# rocm-lsp: ignore[RL201] #}` in the template, `# rocm-lsp: ignore[RL104]` in the header.
_SUPPRESS = re.compile(r"(?:\{#-?|#)\s*rocm-lsp:\s*ignore\[([A-Z0-9,\s]+)\]")
_BLOCK_TAG = re.compile(r"\{%[-+]?\s*(end)?(\w+)")
_BLOCKS = {"if", "for", "macro", "call", "filter", "block", "with", "raw", "autoescape", "trans"}


@dataclass
class Analysis:
    """Everything known about one template text."""

    text: str
    index: LineIndex
    header: Header
    outline: Outline | None
    profile: str
    rendered: Rendered | None = None
    ast: jinja2.nodes.Template | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    static: bool = False
    template: jinja2.Template | None = None
    _concrete: Rendered | None = None

    def calls_at(self, site: HookSite, concrete: bool = False) -> list[HookCall]:
        """The executed calls of a hook site (several inside a loop, none in a dead branch).

        ``concrete`` gives the calls of the render with ``[shapes]`` substituted.
        """
        rendered = self.concrete() if concrete else self.rendered
        if rendered is None:
            return []
        return [c for c in rendered.calls if c.site == site.id]

    def concrete(self) -> Rendered | None:
        """The render with ``[shapes]`` substituted (computed on first use)."""
        if self.static or not self.header.shapes or self.template is None:
            return self.rendered
        if self._concrete is None:
            self._concrete = render(self.template, self.header, self.profile, static=True)
        return self._concrete


def decode(data: bytes) -> tuple[str | None, str | None]:
    """``(text, None)`` for a usable template file, else ``(None, why not)``."""
    if len(data) > MAX_TEMPLATE_BYTES:
        return (
            None,
            f"file is {len(data) / 1e6:.1f} MB; templates above "
            f"{MAX_TEMPLATE_BYTES >> 20} MiB are not analysed",
        )
    if b"\x00" in data:
        return None, "file contains a NUL byte: it is binary, not a template"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"file is not valid UTF-8 (byte {exc.start}): templates are UTF-8 text"


def unreadable(reason: str) -> Analysis:
    """The analysis of a file that is not a text template."""
    analysis = Analysis("", LineIndex(""), Header(), None, "seed")
    analysis.diagnostics.append(make("RL100", reason, Span(0, 0)))
    return analysis


def analyze(text: str, profile: str | None = None, static: bool = False) -> Analysis:
    """Analyse a template; never raises."""
    if "\x00" in text:
        return unreadable("file contains a NUL byte: it is binary, not a template")
    if len(text) > MAX_TEMPLATE_BYTES:
        return unreadable(f"file is larger than {MAX_TEMPLATE_BYTES >> 20} MiB: not analysed")
    index = LineIndex(text)
    header = parse_header(text, index)
    chosen = profile if profile in PROFILES else header.profile
    analysis = Analysis(text, index, header, outline(text), chosen)
    diags = analysis.diagnostics
    diags.extend(header.diagnostics)
    if not header.present:
        diags.append(
            make(
                "RL108",
                "no rocm-lsp header: every name but `kernel` is undefined. Start the file with "
                '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [64, 64] }\n-#}',
                Span(0, min(len(text), index.line_span(0).end)),
            )
        )
    try:
        analysis.ast, _ = parse(text, analysis.outline)
    except jinja2.TemplateSyntaxError as exc:
        diags.append(_syntax(analysis, exc))
    if analysis.ast is not None:
        referenced = meta.find_undeclared_variables(analysis.ast)
        diags.extend(_undefined(analysis, referenced))
        diags.extend(_unused_nodes(header, referenced))
    assert analysis.outline is not None
    runtime: list[Diagnostic] = []
    diags.extend(hook_checks.check_sites(text, header, analysis.outline.sites, chosen))
    if analysis.ast is not None:
        try:
            template = environment().from_string(analysis.ast)
        except Exception as exc:  # noqa: BLE001 - e.g. Python's "keyword argument repeated"
            if not any(d.code == "RL207" for d in diags):
                message = getattr(exc, "msg", None) or str(exc)
                diags.append(make("RL110", f"Jinja cannot compile the template: {message}", Span(0, 0)))
        else:
            analysis.template = template
            analysis.static = static
            analysis.rendered = render(template, header, chosen, static)
            runtime = _runtime(analysis)
    analysis.diagnostics = _finish(analysis, diags, runtime)
    return analysis


# -- Jinja-level findings ---------------------------------------------------------------


def _unclosed_block(text: str, name: str) -> Span | None:
    """The innermost opening ``{% name %}`` tag left unclosed."""
    stack: list[tuple[str, Span]] = []
    for m in _BLOCK_TAG.finditer(text):
        tag = m.group(2)
        if m.group(1):
            if stack and stack[-1][0] == tag:
                stack.pop()
        elif tag in _BLOCKS or (tag == "set" and "=" not in text[m.end() : text.find("%}", m.end())]):
            end = text.find("%}", m.end())
            stack.append((tag, Span(m.start(), end + 2 if end != -1 else m.end())))
    return next((span for tag, span in reversed(stack) if tag == name), None)


def _syntax(analysis: Analysis, exc: jinja2.TemplateSyntaxError) -> Diagnostic:
    m = re.search(r"innermost block that needs to be closed is '(\w+)'", exc.message or "")
    if m and (exc.message or "").startswith("Unexpected end of template"):
        span = _unclosed_block(analysis.text, m.group(1))
        if span is not None:
            return make(
                "RL110",
                f"Jinja syntax error: {{% {m.group(1)} %}} is never closed with {{% end{m.group(1)} %}}",
                span,
            )
    line = max(0, (exc.lineno or 1) - 1)
    span = analysis.index.line_span(min(line, analysis.index.line_count - 1))
    text = analysis.text[span.start : span.end]
    stripped = len(text) - len(text.lstrip())
    span = Span(span.start + stripped, span.end) if text.strip() else span
    return make("RL110", f"Jinja syntax error: {exc.message}", span)


def _undefined(analysis: Analysis, referenced: set[str]) -> list[Diagnostic]:
    header = analysis.header
    if not header.present:
        return []  # RL108 says it once, at the top
    # meta over-reports names set inside an {% if %} body; a name the template assigns
    # anywhere (set, for, with, macro) is the template's own, not an undefined variable.
    assert analysis.ast is not None
    nodes = jinja2.nodes
    assigned = {m.name for m in analysis.ast.find_all(nodes.Macro)}
    for assign in analysis.ast.find_all((nodes.Assign, nodes.AssignBlock)):
        targets = [assign.target, *assign.target.find_all(nodes.Name)]
        assigned |= {t.name for t in targets if isinstance(t, nodes.Name)}
    missing = referenced - header.names - header.rejected - JINJA_GLOBALS - assigned - {"kernel"}
    out = []
    related = ()
    if header.span is not None:
        related = (Related(header.span, "declare template variables in [nodes] or [vars]"),)
    assert analysis.outline is not None
    for ref in analysis.outline.names:
        if ref.name in missing:
            out.append(
                make(
                    "RL111",
                    f"{ref.name} is undefined: declare it in [nodes] (an IR node) or [vars] "
                    "(any other value) in the header",
                    ref.span,
                    *related,
                )
            )
    return out


def _unused_nodes(header: Header, referenced: set[str]) -> list[Diagnostic]:
    return [
        make("RL214", f"node {name} is declared but the template never uses it", decl.key_span)
        for name, decl in header.nodes.items()
        if name not in referenced
    ]


# -- render-time findings ---------------------------------------------------------------


def _runtime(analysis: Analysis) -> list[Diagnostic]:
    rendered = analysis.rendered
    assert rendered is not None and analysis.outline is not None
    sites = {s.id: s for s in analysis.outline.sites}
    out: list[Diagnostic] = []
    for call in rendered.calls:
        site = sites.get(call.site) if call.site is not None else None
        for note in call.notes:
            out.append(make(note.code, note.message, _locate(analysis, site, note.where)))
    if rendered.failure is not None:
        failure = _failure(analysis, rendered.failure, sites)
        if failure is not None:
            out.append(failure)
    return out


def _failure(analysis: Analysis, failure: RenderFailure, sites: dict[int, HookSite]) -> Diagnostic | None:
    exc = failure.error
    site = sites.get(failure.site) if failure.site is not None else None
    line_span = _line(analysis, failure.line)
    if isinstance(exc, HookError):
        related = _header_related(analysis, exc)
        span = _locate(analysis, site, exc.where) if site else line_span
        detail = (
            f" (Inductor: {exc.inductor_type}: {exc.inductor_message})"
            if exc.inductor_message
            else f" (Inductor: {exc.inductor_type})"
        )
        if len(detail) > 300:
            detail = f" (Inductor raises {exc.inductor_type})"
        return make(exc.code, exc.message + detail, span, *related)
    if isinstance(exc, RenderTimeout):
        return make(
            "RL113",
            f"rendering took longer than {RENDER_SECONDS:g} s and was stopped here: a huge or endless loop?",
            line_span if failure.line else Span(0, 0),
        )
    if isinstance(exc, RenderBudgetError):
        return make("RL113", f"rendering stopped: {exc}", line_span)
    if isinstance(exc, SizeOverflowError):
        span = site.call_span if site and site.call_span else line_span
        return make("RL302", f"size expression overflows int64: {exc}", span)
    if isinstance(exc, jinja2.UndefinedError):
        m = re.match(r"'(.*)' has no attribute '(\w+)'", str(exc))
        if m and m.group(1).endswith(("ROCmTemplateKernel object", "SiteView object")):
            hook = m.group(2)
            others = profiles_with_hook(hook)
            where = f"; it exists in {', '.join(others)}" if others else ""
            return make(
                "RL205",
                f"kernel has no attribute {hook!r} in profile {analysis.profile}{where}",
                line_span,
            )
        if m and m.group(1).endswith("IRNode object"):
            return make(
                "RL112",
                f"a node has no attribute {m.group(2)!r}; nodes offer get_name(), get_size(), "
                "get_stride(), get_dtype(), get_layout() and get_numel()",
                line_span,
            )
        m = re.match(r"'(\w+)' is undefined", str(exc))
        if m:
            if m.group(1) in analysis.header.rejected:
                return None  # its header entry already has an error
            return make(
                "RL111",
                f"{m.group(1)} is undefined here: declare it in [nodes] or [vars], or set it "
                "before this line",
                line_span,
            )
        return make("RL112", f"render error: {exc}", line_span)
    if isinstance(exc, RecursionError):
        return make("RL113", "rendering recursed too deeply (a macro that calls itself?)", line_span)
    return make("RL112", f"render error: {type(exc).__name__}: {exc}", line_span)


def _line(analysis: Analysis, line: int | None) -> Span:
    if line is None:
        return Span(0, 0)
    span = analysis.index.line_span(min(line - 1, analysis.index.line_count - 1))
    text = analysis.text[span.start : span.end]
    lead = len(text) - len(text.lstrip())
    return Span(span.start + lead, span.end) if text.strip() else span


def _locate(analysis: Analysis, site: HookSite | None, where: Locator) -> Span:
    """The span of the argument (and element) a hook finding names."""
    if site is None:
        return Span(0, 0)
    default = site.call_span or site.name_span
    if where.arg is None:
        return default
    spec = PROFILES[analysis.profile].hooks.get(site.hook)
    names = [p.name for p in spec.params] if spec else []
    if where.arg in names:
        arg = site.argument(where.arg, names.index(where.arg))
        if arg is None:
            return default
        if where.element is not None and arg.value.kind in ("list", "tuple"):
            items = arg.value.items
            if 0 <= where.element < len(items):
                return items[where.element].span
        return arg.value.span
    # A node name (e.g. the node whose dtype has no C++ type): find it among the arguments.
    for arg in site.arguments:
        for item in (arg.value, *arg.value.items):
            if item.kind == "name" and item.literal == where.arg:
                return item.span
    return default


def _header_related(analysis: Analysis, exc: HookError) -> tuple[Related, ...]:
    if exc.code == "RL209" and exc.where.arg in analysis.header.nodes:
        span = analysis.header.span_of("nodes", exc.where.arg, "dtype")
        if span is not None:
            return (Related(span, f"the dtype of {exc.where.arg} is declared here"),)
    return ()


# -- final shaping ------------------------------------------------------------------------


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end or a == b


def _finish(analysis: Analysis, static: list[Diagnostic], runtime: list[Diagnostic]) -> list[Diagnostic]:
    """Drop duplicates (a static finding wins over its render-time twin) and suppressions."""
    suppressed = _suppressions(analysis)
    out: list[Diagnostic] = []
    seen: set[tuple[str, int, int]] = set()
    twins = [
        d
        for d in runtime
        if any(s.code == d.code and _overlaps(s.span, d.span) for s in static)
        # without a header RL108 says it once; render-time RL111s would repeat it
        or (d.code == "RL111" and not analysis.header.present)
    ]
    for d in [*static, *(d for d in runtime if not any(d is t for t in twins))]:
        line = analysis.index.position(d.span.start)[0]
        if d.code in suppressed.get(line, ()):
            continue
        key = (d.code, d.span.start, d.span.end)
        if key in seen:
            continue
        seen.add(key)
        out.append(d)
    out.sort(key=lambda d: (d.span.start, d.code))
    return out


def _suppressions(analysis: Analysis) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for m in _SUPPRESS.finditer(analysis.text):
        line = analysis.index.position(m.start())[0]
        out.setdefault(line, set()).update(c.strip() for c in m.group(1).split(",") if c.strip())
    return out


__all__ = ["Analysis", "HookNote", "analyze", "decode", "unreadable"]

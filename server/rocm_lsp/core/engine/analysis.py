"""The analysis of one template document: header, structure, render, diagnostics.

:func:`analyze` is the single diagnostics engine: ``rocm-lsp check`` and the language
server both call it, so the two can never disagree.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace

import jinja2

from rocm_lsp.core.diagnostics import Diagnostic, Related, Severity, make
from rocm_lsp.core.engine import hook_checks, render_process
from rocm_lsp.core.engine.budget import RenderOutOfMemory, RenderTimeout
from rocm_lsp.core.engine.header import JINJA_GLOBALS, Header, cached_header
from rocm_lsp.core.engine.jinja_checks import (
    MAX_TEMPLATE_BYTES,
    assigned_names,
    compile_checked,
    dedupe,
    loop_scopes,
    overlaps,
    stripped_line,
    suppressions,
    syntax_error,
    too_deep,
)
from rocm_lsp.core.engine.jinja_env import RenderBudgetError
from rocm_lsp.core.engine.render import (
    RENDER_MEMORY,
    RENDER_SECONDS,
    ForeignError,
    Rendered,
    RenderFailure,
    parse,
    render,
)
from rocm_lsp.core.engine.structure import HookSite, Outline, outline
from rocm_lsp.core.model.kernel import HookCall, HookError, HookNote
from rocm_lsp.core.model.profiles import DEFAULT_PROFILE, PROFILES, canonical_profile
from rocm_lsp.core.model.symbolic import SizeOverflowError
from rocm_lsp.core.rules.finding import Locator
from rocm_lsp.core.suggest import close_match, did_you_mean
from rocm_lsp.core.text import LineIndex, Span

# Jinja's parser and Python's compile() cannot be interrupted, and cost ~0.1 ms per ``{{``/``{%``
# (2-core VM): this bounds one analysis to about 2 s. The largest shipped template has ~250.
MAX_JINJA_CONSTRUCTS = int(os.environ.get("ROCM_LSP_MAX_JINJA_CONSTRUCTS", "20000"))


@dataclass(frozen=True)
class Analysis:
    """Everything known about one template text (built once by :func:`analyze`, then read by
    every request on that document version: frozen)."""

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
    profile_reason: str = ""  # why this profile: the setting, the header, or the default
    shapes_render: Rendered | None = None  # the render with [shapes] substituted, if any
    # The finding that stopped the render (with ``rendered``) or kept the template from
    # compiling (without): the root cause as reported, e.g. the header error that left a name
    # undefined rather than the render's "X is undefined here". None after a complete render.
    stopped: Diagnostic | None = None

    def calls_at(self, site: HookSite, concrete: bool = False) -> list[HookCall]:
        """The executed calls of a hook site (several inside a loop, none in a dead branch).

        ``concrete`` gives the calls of the render with ``[shapes]`` substituted.
        """
        rendered = self.concrete() if concrete else self.rendered
        if rendered is None:
            return []
        return [c for c in rendered.calls if c.site == site.id]

    def concrete(self) -> Rendered | None:
        """The render with ``[shapes]`` substituted: computed by :func:`analyze` (in the analysis
        worker, never on the editor's event loop), else the plain render."""
        return self.shapes_render if self.shapes_render is not None else self.rendered


_NODE_SIZES = re.compile(r"\.(?:get_size|get_stride|get_numel|get_layout|layout)\b")


def needs_sympy(text: str) -> bool:
    """Whether the template reads node sizes (sympy values): import sympy before rendering."""
    return _NODE_SIZES.search(text) is not None


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
    return Analysis(
        "", LineIndex(""), Header(), None, DEFAULT_PROFILE, diagnostics=[make("RL100", reason, Span(0, 0))]
    )


def analyze(text: str, profile: str | None = None, static: bool = False, concrete: bool = True) -> Analysis:
    """Analyse a template; never raises. ``concrete``: also render with ``[shapes]`` substituted
    (``Analysis.concrete``, which hover reads; no finding does, so ``check`` leaves it out)."""
    try:
        return _analyze(text, profile, static, concrete)
    except RecursionError:  # the stages after Jinja's parser and compiler (which report it)
        chosen = canonical_profile(profile) or DEFAULT_PROFILE
        return Analysis(text, LineIndex(text), Header(), None, chosen, diagnostics=[too_deep()])


def _analyze(text: str, profile: str | None, static: bool, concrete: bool) -> Analysis:
    if "\x00" in text:
        return unreadable("file contains a NUL byte: it is binary, not a template")
    if len(text) > MAX_TEMPLATE_BYTES:
        return unreadable(f"file is larger than {MAX_TEMPLATE_BYTES >> 20} MiB: not analysed")
    constructs = text.count("{{") + text.count("{%")
    if constructs > MAX_JINJA_CONSTRUCTS:
        return unreadable(
            f"file has {constructs:,} Jinja expressions and statements; templates above "
            f"{MAX_JINJA_CONSTRUCTS:,} are not analysed (ROCM_LSP_MAX_JINJA_CONSTRUCTS raises the limit)"
        )
    index = LineIndex(text)
    header = cached_header(text, index)
    chosen = canonical_profile(profile)
    if chosen is not None:
        reason = "from the profile setting"
    else:
        chosen = header.profile
        reason = "from the header" if header.profile_declared else "the default: the header names no profile"
    analysis = Analysis(text, index, header, outline(text), chosen, profile_reason=reason)
    diags = list(header.diagnostics)
    if not header.present:
        diags.append(
            make(
                "RL108",
                "no rocm-lsp header: every name but `kernel` is undefined. Start the file with "
                '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [64, 64] }\n-#}',
                Span(0, min(len(text), index.line_span(0).end)),
            )
        )
    stopper: Diagnostic | None = None  # what stops the render, as found (see Analysis.stopped)
    try:
        analysis = replace(analysis, ast=parse(text, analysis.outline)[0])
    except jinja2.TemplateSyntaxError as exc:
        stopper = syntax_error(text, index, exc)
        if header.unclosed and header.span is not None and stopper.span.start == header.span.start:
            stopper = header.diagnostics[-1]  # the comment Jinja cannot close: RL101 says it
        else:
            diags.append(stopper)
    except RecursionError:
        diags.append(stopper := too_deep())
    assert analysis.outline is not None
    diags.extend(hook_checks.check_sites(text, header, analysis.outline.sites, chosen))
    runtime: list[Diagnostic] = []
    if analysis.ast is not None:
        compiled = len(diags)
        template, referenced = compile_checked(text, index, analysis.ast, diags)
        stopper = next(iter(diags[compiled:]), stopper)
        if referenced is not None:
            undefined = _undefined(analysis, referenced)
            blocked = {n: cause for n, cause in undefined.hidden.items() if n in header.blocked}
            diags = _blame(diags, blocked) + undefined.findings
            diags.extend(_unused_nodes(header, referenced | undefined.suggested))
        if template is not None:
            warm = needs_sympy(text)
            shapes_render = None
            with_shapes = concrete and not static and bool(header.shapes)  # for hover, not on the loop
            if with_shapes and render_process.available():
                # both renders at once: each waits on its own contained child
                from concurrent.futures import ThreadPoolExecutor  # only here: off `check`'s path

                with ThreadPoolExecutor(1, thread_name_prefix="rocm-lsp-render") as other:
                    shapes = other.submit(render, template, header, chosen, static=True, warm=warm)
                    rendered = render(template, header, chosen, static, warm=warm)
                    shapes_render = shapes.result()
            else:
                rendered = render(template, header, chosen, static, warm=warm)
                if with_shapes:
                    shapes_render = render(template, header, chosen, static=True, warm=warm)
            analysis = replace(
                analysis, template=template, static=static, rendered=rendered, shapes_render=shapes_render
            )
            runtime, stopper = _runtime(analysis)
    kept, final = _finish(analysis, diags, runtime)
    return replace(analysis, diagnostics=final, stopped=None if stopper is None else _reported(kept, stopper))


# -- Jinja-level findings ---------------------------------------------------------------


_SUGGESTION = "; did you mean "  # how core/suggest.did_you_mean's hint starts: it stays last


@dataclass(frozen=True)
class _Undefined:
    findings: list[Diagnostic]  # RL111 per use of a name nothing declares
    hidden: dict[str, Diagnostic]  # names used that a header error hides, by first use: its finding
    suggested: set[str]  # declared names an RL111 suggests (a misspelt use is no unused node)


def _undefined(analysis: Analysis, referenced: set[str]) -> _Undefined:
    header = analysis.header
    if not header.present:
        return _Undefined([], {}, set())  # RL108 says it once, at the top
    # meta over-reports names set inside an {% if %} body; a name the template assigns
    # anywhere (set, for, with, macro) is the template's own, not an undefined variable.
    assert analysis.ast is not None and analysis.outline is not None
    missing = referenced - header.names - JINJA_GLOBALS - {"kernel"}
    assigned = assigned_names(analysis.ast) if missing else set()  # a slow walk: only when needed
    missing -= assigned
    causes = {**header.blocked, **header.rejected}
    hidden = {
        ref.name: causes[ref.name] for ref in analysis.outline.names if ref.name in missing & causes.keys()
    }
    missing -= causes.keys()
    out = []
    related: tuple[Related, ...] = ()
    if header.span is not None:
        related = (Related(header.span, "declare template variables in [nodes] or [vars]"),)
    scopes = loop_scopes(analysis.text) if missing else []
    known = _known(header, assigned)
    suggested: set[str] = set()
    for ref in analysis.outline.names:
        if ref.name not in missing:
            continue
        in_scope = [names for names, span in scopes if span.contains(ref.span.start)]
        if any(ref.name in names for names in in_scope):
            continue
        candidates = known + sorted(set().union(*in_scope))
        hint = did_you_mean(ref.name, candidates)
        suggested.add(close_match(ref.name, candidates) or "")
        out.append(
            make(
                "RL111",
                f"{ref.name} is undefined: declare it in [nodes] (an IR node) or [vars] "
                f"(any other value) in the header{hint}",
                ref.span,
                *related,
            )
        )
    return _Undefined(out, hidden, suggested)


def _known(header: Header, assigned: set[str]) -> list[str]:
    """The names an RL111 may suggest: declared, assigned by the template, and ``kernel`` (not
    Jinja's globals: a forgotten ``names`` is no misspelt ``namespace``)."""
    return [*sorted(header.names), *sorted(assigned), "kernel"]


def _blame(diags: list[Diagnostic], hidden: dict[str, Diagnostic]) -> list[Diagnostic]:
    """``diags`` with each header finding that hides names the template uses (``hidden``: name ->
    finding, in order of first use) saying which, as an error whatever its code's usual severity:
    those uses get no RL111 of their own."""
    names: dict[int, list[str]] = {}
    for name, cause in hidden.items():
        names.setdefault(id(cause), []).append(name)
    out = []
    for d in diags:
        found = names.get(id(d))
        if found is None:
            out.append(d)
            continue
        shown = found if len(found) <= 4 else [*found[:3], f"{len(found) - 3} more"]
        listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
        verb = "is" if len(found) == 1 else "are"
        head, hint, suggestion = d.message.partition(_SUGGESTION)
        message = f"{head}; until it is fixed, {listed} {verb} undefined{hint}{suggestion}"
        out.append(Diagnostic(d.code, Severity.ERROR, message, d.span, d.related))
    return out


def _unused_nodes(header: Header, referenced: set[str]) -> list[Diagnostic]:
    return [
        make("RL214", f"node {name} is declared but the template never uses it", decl.key_span)
        for name, decl in header.nodes.items()
        if name not in referenced
    ]


# -- render-time findings ---------------------------------------------------------------


def _runtime(analysis: Analysis) -> tuple[list[Diagnostic], Diagnostic | None]:
    """The render's findings, and the one that stopped it (a header finding, already reported,
    when the render stopped at a name that finding hides)."""
    rendered = analysis.rendered
    assert rendered is not None and analysis.outline is not None
    sites = {s.id: s for s in analysis.outline.sites}
    out: list[Diagnostic] = []
    for call in rendered.calls:
        site = sites.get(call.site) if call.site is not None else None
        for note in call.notes:
            out.append(make(note.code, note.message, _locate(analysis, site, note.where)))
    if rendered.failure is None:
        return out, None
    failure = _failure(analysis, rendered.failure, sites)
    if not any(failure is d for d in analysis.header.diagnostics):
        out.append(failure)
    return out, failure


def _failure(analysis: Analysis, failure: RenderFailure, sites: dict[int, HookSite]) -> Diagnostic:
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
    if isinstance(exc, RenderOutOfMemory):
        return make(
            "RL113",
            f"rendering grew the process by more than {RENDER_MEMORY >> 20} MiB and was stopped "
            "here: a loop that builds a huge list or string?",
            line_span if failure.line else Span(0, 0),
        )
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
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return make("RL115", str(exc), line_span)
    if isinstance(exc, jinja2.UndefinedError):
        m = re.match(r"'(.*)' has no attribute '(\w+)'", str(exc))
        if m and m.group(1).endswith("IRNode object"):
            return make(
                "RL112",
                f"a node has no attribute {m.group(2)!r}; nodes offer get_name(), get_size(), "
                "get_stride(), get_dtype(), get_layout() and get_numel()",
                line_span,
            )
        m = re.match(r"'(\w+)' is undefined", str(exc))
        if m:
            name, header = m.group(1), analysis.header
            cause = header.rejected.get(name) or header.blocked.get(name)
            if cause is not None:
                return cause  # the header finding that hides the name: it already says so
            assert analysis.ast is not None
            hint = did_you_mean(name, _known(header, assigned_names(analysis.ast)))
            return make(
                "RL111",
                f"{name} is undefined here: declare it in [nodes] or [vars], or set it "
                f"before this line{hint}",
                line_span,
            )
        return make("RL112", f"render error: {exc}", line_span)
    if isinstance(exc, RecursionError):
        return make("RL113", "rendering recursed too deeply (a macro that calls itself?)", line_span)
    kind = exc.type_name if isinstance(exc, ForeignError) else type(exc).__name__
    return make("RL112", f"render error: {kind}: {exc}", line_span)


def _line(analysis: Analysis, line: int | None) -> Span:
    return stripped_line(analysis.text, analysis.index, line)


def _locate(analysis: Analysis, site: HookSite | None, where: Locator) -> Span:
    """The span of the argument (and element) a hook finding names."""
    if site is None:
        return Span(0, 0)
    return hook_checks.locate(site, PROFILES[analysis.profile].hooks.get(site.hook), where)


def _header_related(analysis: Analysis, exc: HookError) -> tuple[Related, ...]:
    node = exc.where.node
    if exc.code == "RL209" and node is not None and node in analysis.header.nodes:
        span = analysis.header.span_of("nodes", node, "dtype")
        if span is not None:
            return (Related(span, f"the dtype of {node} is declared here"),)
    return ()


# -- final shaping ------------------------------------------------------------------------


def _finish(
    analysis: Analysis, static: list[Diagnostic], runtime: list[Diagnostic]
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """One finding per mistake: drop render-time twins of static findings, and findings on an
    undefined name (a hook rule that only fails because the name is undefined), then what
    suppression comments silence. Returns what is kept before and after suppression."""
    suppressed = _suppressions(analysis)
    twins = [
        d
        for d in runtime
        if any(s.code == d.code and overlaps(s.span, d.span) for s in static)
        # without a header RL108 says it once; render-time RL111s would repeat it
        or (d.code == "RL111" and not analysis.header.present)
    ]
    undefined = [d.span for d in static if d.code == "RL111"]
    kept = [
        d
        for d in (*static, *(d for d in runtime if not any(d is t for t in twins)))
        if d.code == "RL111" or not any(_within(d.span, u) for u in undefined)
    ]
    line = analysis.index.position
    return kept, dedupe(d for d in kept if d.code not in suppressed.get(line(d.span.start)[0], ()))


def _within(inner: Span, outer: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def _reported(kept: list[Diagnostic], found: Diagnostic) -> Diagnostic:
    """The finding reported for ``found``: itself, the static twin (or amended header finding)
    that stands for it, or the RL111 it follows from."""
    same = (d for d in kept if d is found or d.code == found.code and overlaps(d.span, found.span))
    cause = (d for d in kept if d.code == "RL111" and _within(found.span, d.span))
    return next(same, None) or next(cause, found)


def _suppressions(analysis: Analysis) -> dict[int, set[str]]:
    """Codes silenced per line: Jinja comments anywhere, TOML comments in the header."""
    return suppressions(analysis.text, analysis.index, analysis.header.span)


__all__ = ["Analysis", "HookNote", "analyze", "decode", "unreadable"]

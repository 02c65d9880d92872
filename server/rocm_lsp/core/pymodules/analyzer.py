"""The entry point: :func:`analyze_python` reads one module, finds its template strings and
the calls that use them, and runs the checks on them.

PyTorch keeps most ROCm templates in Python modules (``torch/_inductor/codegen/rocm/ck_*.py``):
Jinja strings in class attributes, module constants or locals, rendered from Python with
``self._template_from_string(self.gemm_template).render(name=value, …)``, with
``kernel.def_kernel(…)`` called in Python and passed in as ``kernel_definition``. Every
``.render(…)`` call is bound to the string(s) it renders (:mod:`.scope`,
:mod:`.render_calls`) and checked (:mod:`.checks`):

- each template string's Jinja syntax (``RL110``) and any hook calls inside it (``RL2xx``);
- names a template reads that a render call does not pass (``RL501``), per call, leaving out
  ``{% if flag %}`` branches the call disables with a literal (``flag=False``) and names
  guarded by ``is defined``; a call with a ``**mapping`` we cannot read is *open* and never
  gets RL501;
- keyword arguments a template never reads (``RL502``) and ones passed twice (``RL503``);
- ``kernel.def_kernel(…)`` calls in Python with literal arguments: the hook checks of
  template files (``RL201``–``RL208``, ``RL206`` for the 2.13 ``size_args``).

A failure of the analysis itself is one RL199 finding (and a logged traceback), never a crash
and never silence.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from rocm_lsp.core.diagnostics import Diagnostic, make
from rocm_lsp.core.engine import hook_checks
from rocm_lsp.core.engine.header import Header
from rocm_lsp.core.engine.jinja_checks import MAX_TEMPLATE_BYTES, dedupe, internal_error, suppress
from rocm_lsp.core.engine.structure import HookSite, NameRef
from rocm_lsp.core.model.profiles import canonical_profile
from rocm_lsp.core.pymodules.checks import (
    FoundTemplate,
    jinja_facts,
    shift,
    undefined_elsewhere,
    undefined_here,
    unused,
)
from rocm_lsp.core.pymodules.module_model import (
    Module,
    Node,
    calls,
    is_string,
    node_key,
    string_value,
    unwrap,
)
from rocm_lsp.core.pymodules.render_calls import (
    TEMPLATE_FACTORY,
    def_kernel_sites,
    first_arg,
    is_kernel,
    render_args,
    rendered_source,
)
from rocm_lsp.core.pymodules.results import DEFAULT_PROFILE, PythonAnalysis, RenderCall, TemplateString
from rocm_lsp.core.pymodules.scope import ModuleReader, Resolver, Target, scope_at
from rocm_lsp.core.text import LineIndex, Span

log = logging.getLogger(__name__)

_JINJA_MARK = re.compile(r"\{\{|\{%")
_ASSIGNED_STRING = re.compile(r"^[ \t]*\w+\s*(?::[^=\n]*)?=\s*\(?\s*[rRuUfF]{0,2}(?:\"|')", re.M)
# A module for ROCm's template kernel: only there are `def_kernel` and the hooks rocm-2.13's.
_ROCM_NAMES = re.compile(r"\bROCm\w*(?:Template|Kernel)\w*\b|\bCK\w*Template\b")
_FORMATTED = re.compile(r"(\w+)\.format(?:_map)?\(")


def holds_templates(text: str) -> bool:
    """Cheap textual pre-filter for directory walks: might this module hold Inductor templates?"""
    if TEMPLATE_FACTORY in text or ".def_kernel(" in text:
        return True
    return _JINJA_MARK.search(text) is not None and _ASSIGNED_STRING.search(text) is not None


def analyze_python(
    text: str, profile: str | None = None, read_module: ModuleReader | None = None, profile_reason: str = ""
) -> PythonAnalysis:
    """Analyse a Python module's Inductor templates; never raises, never runs the code."""
    if "\x00" in text:
        return _unreadable(text, "file contains a NUL byte: it is binary, not Python source")
    if len(text) > MAX_TEMPLATE_BYTES:
        return _unreadable(text, f"file is larger than {MAX_TEMPLATE_BYTES >> 20} MiB: not analysed")
    profile = canonical_profile(profile) or DEFAULT_PROFILE
    try:
        found = _Analyzer(text, profile, read_module).run()
    except Exception as exc:  # noqa: BLE001 - a failure of ours is a finding (RL199), never a crash
        log.exception("internal error while analysing a Python template module")
        found = PythonAnalysis(text, LineIndex(text), (), (), (), (internal_error(exc),), profile)
    return dataclasses.replace(found, profile_reason=profile_reason)


def _unreadable(text: str, reason: str) -> PythonAnalysis:
    diag = make("RL100", reason, Span(0, 0))
    return PythonAnalysis(text, LineIndex(text), (), (), (), (diag,))


class _Analyzer:
    """One analysis: walks the module's calls, collecting templates, renders and findings."""

    def __init__(self, text: str, profile: str, read_module: ModuleReader | None) -> None:
        self.text = text
        self.profile = profile
        self.module = Module(text, "")
        self.resolver = Resolver(read_module)
        self.index = LineIndex(text)
        # hooks and def_kernel are checked only where the kernel is ROCm's (CUTLASS and C++
        # templates have a `kernel` with other hooks)
        self.rocm = _ROCM_NAMES.search(text) is not None
        # a string used with str.format() is a format string, whatever braces it holds
        self.formatted = set(_FORMATTED.findall(text))
        self.templates: dict[tuple[str, int, int], FoundTemplate] = {}
        self.renders: list[tuple[RenderCall, list[FoundTemplate]]] = []
        self.kernel_calls: list[HookSite] = []
        self.diags: list[Diagnostic] = []

    def run(self) -> PythonAnalysis:
        mod = self.module
        for name, value in mod.consts.items():
            if is_string(value) and name not in self.formatted:
                self._template(Target(mod, value, name), jinja_only=True)
        for cls in mod.classes.values():
            for attr_name, value in cls.attrs.items():
                if is_string(value) and attr_name not in self.formatted:
                    self._template(Target(mod, value, f"{cls.name}.{attr_name}"), jinja_only=True)
        for call in calls(mod.root):
            func = call.child_by_field_name("function")
            if func is None:
                continue
            attr = func.child_by_field_name("attribute") if func.type == "attribute" else None
            callee = attr if attr is not None else func if func.type == "identifier" else None
            name = mod.src(callee) if callee is not None else ""
            if name == TEMPLATE_FACTORY:
                arg = first_arg(call)
                if arg is not None:
                    for target in self.resolver.resolve(mod, arg, scope_at(mod, call)):
                        template = self._template(target)
                        if template is not None:
                            template.bound = True
            elif name == "render" and attr is not None:
                self._render(call, func, attr)
            elif (
                name == "def_kernel"
                and attr is not None
                and self.rocm
                and is_kernel(mod.src(func.child_by_field_name("object")))
            ):
                self._def_kernel(call, func, attr)
        return self._finish()

    def _template(self, target: Target, jinja_only: bool = False) -> FoundTemplate | None:
        """The template a string literal holds (``jinja_only``: only if it looks like Jinja)."""
        key = (target.module.label, *node_key(target.node))
        if key in self.templates:
            return self.templates[key]
        decoded = string_value(target.module, target.node)
        if decoded is None or (jinja_only and not _JINJA_MARK.search(decoded[0])):
            return None
        value, source = decoded
        profile = self.profile if self.rocm else None
        template = FoundTemplate(
            target, value, source, jinja_facts(value, profile), target.module is self.module
        )
        self.templates[key] = template
        return template

    def _render(self, call: Node, func: Node, attr: Node) -> None:
        mod = self.module
        scope = scope_at(mod, call)
        source = rendered_source(self.resolver, mod, func, scope)
        if source is None:
            return
        resolved = self.resolver.resolve(mod, source, scope)
        targets = [t for t in (self._template(x) for x in resolved) if t is not None]
        if not targets:
            return
        args, is_open, duplicates = render_args(self.resolver, mod, call, scope)
        render = RenderCall(
            mod.span(call), mod.span(attr), tuple(args), is_open, tuple(t.target.name for t in targets)
        )
        for template in targets:
            template.calls.append(render)
        self.renders.append((render, targets))
        self.diags.extend(duplicates)

    def _def_kernel(self, call: Node, func: Node, attr: Node) -> None:
        sites = def_kernel_sites(self.module, call, func, attr)
        for site in sites:
            self.diags.extend(hook_checks.check_sites(self.text, Header(), (site,), self.profile))
        if sites:
            self.kernel_calls.append(sites[0])

    def _finish(self) -> PythonAnalysis:
        mod = self.module
        # a Jinja-looking string nothing here renders is checked only in a template module
        templates_here = self.rocm or TEMPLATE_FACTORY in self.text
        local = [t for t in self.templates.values() if t.local and (t.bound or templates_here)]
        for template in local:
            for d in template.jinja.diagnostics:
                self.diags.append(shift(d, template.source))
            self.diags.extend(undefined_here(template, self.index))
        for render, targets in self.renders:
            self.diags.extend(unused(render, targets))
            for template in targets:
                if not template.local:
                    self.diags.extend(undefined_elsewhere(render, template))
        # `# rocm-lsp: ignore[…]` anywhere in a module, `{# … #}` inside its template strings
        diags = suppress(dedupe(self.diags), self.text, self.index, Span(0, len(self.text)))
        results = tuple(
            TemplateString(
                t.target.name,
                mod.span(unwrap(t.target.node)),
                t.value,
                t.source,
                tuple(t.calls),
                t.jinja.referenced,
                tuple(NameRef(r.name, t.source.span_to_file(r.span)) for r in t.jinja.names),
            )
            for t in sorted(local, key=lambda t: t.target.node.start_byte)
        )
        return PythonAnalysis(
            self.text,
            self.index,
            results,
            tuple(r for r, _ in self.renders),
            tuple(self.kernel_calls),
            tuple(diags),
            self.profile,
        )


__all__ = ["ModuleReader", "analyze_python", "holds_templates"]

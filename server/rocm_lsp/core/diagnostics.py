"""Diagnostics: the finding type and the registry of stable codes.

Codes never change meaning once published. ``RL1xx`` are file, header and Jinja syntax
findings (``RL199``: the engine itself failed on the file), ``RL2xx`` hook and arity findings,
``RL3xx`` symbolic-shape findings, ``RL4xx`` compiler findings, ``RL5xx`` findings about
templates held in Python modules (how their ``render`` calls pass variables).
``docs/diagnostics.md`` lists every code with an example; a test keeps the two in step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from rocm_lsp.core.text import Span


class Severity(enum.IntEnum):
    """Ordered so that ``a >= b`` means "at least as serious"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Related:
    """A second place that explains a finding, e.g. the header entry involved."""

    span: Span
    message: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    related: tuple[Related, ...] = field(default=())


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title: str


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {r.code: r for r in rules}


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: dict[str, Rule] = _rules(
    Rule("RL100", E, "file is not a text template (binary, NUL byte, invalid UTF-8 or too large)"),
    Rule("RL101", E, "header is not valid TOML"),
    Rule("RL102", E, "header entry has the wrong type or shape"),
    Rule("RL103", W, "unknown header key"),
    Rule("RL104", E, "unknown dtype"),
    Rule("RL105", E, "bad size, stride or offset entry"),
    Rule("RL106", E, "unknown profile"),
    Rule("RL107", E, "name declared twice"),
    Rule("RL108", INFO, "no rocm-lsp header: every name but `kernel` is undefined"),
    Rule("RL110", E, "Jinja syntax error"),
    Rule("RL111", E, "undefined template variable"),
    Rule("RL112", E, "template raised an error while rendering"),
    Rule("RL113", E, "rendering exceeded its time or size budget"),
    Rule("RL114", W, "header comment is not the first thing in the file"),
    Rule("RL115", E, "template used an attribute the sandbox does not offer"),
    Rule("RL199", E, "internal error while analysing the file"),
    Rule("RL201", E, "names_str arity differs from inputs + outputs"),
    Rule("RL202", E, "input_reorder length differs from the number of inputs"),
    Rule("RL203", E, "input_reorder index out of range"),
    Rule("RL204", W, "input_reorder is not a permutation"),
    Rule("RL205", E, "hook does not exist in this profile"),
    Rule("RL206", E, "missing required hook argument"),
    Rule("RL207", E, "unexpected hook argument"),
    Rule("RL208", E, "rocm-2.13 rewrites input_reorder [2, 0, 1] to [4, 0, 1, 2, 3]"),
    Rule("RL209", E, "dtype has no C++ type in this profile"),
    Rule("RL210", E, "hook argument has the wrong type"),
    Rule("RL211", W, "PT_EXPORT doubled or missing before def_kernel"),
    Rule("RL212", W, "duplicate parameter name"),
    Rule("RL213", W, "names_str entry differs from the variable passed"),
    Rule("RL214", W, "declared node never used"),
    Rule("RL215", W, "size() index past the rank silently yields the default"),
    Rule("RL216", W, "def_kernel called more than once"),
    Rule("RL217", E, "get_signature() called before def_kernel()"),
    Rule("RL218", W, "check_not_null/arg_name on a node that has no parameter yet"),
    Rule("RL301", W, "size symbol introduced after def_kernel never reaches the signature"),
    Rule("RL302", E, "size expression overflows int64"),
    Rule("RL303", E, "size expression too large"),
    Rule("RL304", W, "symbol has no example value in [shapes]"),
    Rule("RL305", E, "bad [shapes] entry"),
    Rule("RL401", E, "the compiler reports an error"),
    Rule("RL402", W, "the compiler reports a warning"),
    Rule("RL403", INFO, "not compiled here (AMD-only source on NVIDIA, no CK headers, or no compiler)"),
    Rule("RL404", E, "the compiler failed without a located message (crash, timeout)"),
    Rule("RL405", E, "the device code calls functions no linked device library defines"),
    Rule("RL406", W, "the kernel spills registers to memory"),
    Rule("RL407", W, "AMD occupancy below the configured floor (occupancyFloor)"),
    Rule("RL408", E, "a ROCm template class raised while torch rendered it"),
    Rule("RL501", E, "template variable not passed by a render call"),
    Rule("RL502", W, "render argument never used by the template"),
    Rule("RL503", E, "render argument passed twice"),
)


def make(code: str, message: str, span: Span, *related: Related) -> Diagnostic:
    """A diagnostic with the code's registered severity."""
    return Diagnostic(code, RULES[code].severity, message, span, tuple(related))

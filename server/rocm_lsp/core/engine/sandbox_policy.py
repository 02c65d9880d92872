"""What a template may reach: an allow-list of attributes per type.

Jinja's sandbox refuses only ``_`` attributes; it cannot know which methods of a library
object evaluate strings (sympy's ``subs``, ``coeff``, ``match``… ``eval`` a string
argument). Here every attribute a template reads is checked against :data:`ALLOWED`
*before* it is read: a type that is not listed offers no attribute at all, and a listed type
offers exactly its entry. The entries are the IR methods Inductor templates use, the
kernel's hooks and documented attributes, Jinja's own runtime objects, and the builtin
value types (C implementations that evaluate nothing). Size values (:mod:`template_values`)
have operators only. ``tests/robustness/test_template_reach.py`` walks everything reachable
from a template's values and calls it with payloads.
"""

from __future__ import annotations

import datetime
import inspect
from typing import Any

import jinja2.runtime
import jinja2.utils
import markupsafe

from rocm_lsp.core.model.ir import Device, IRNode, Layout, TorchDtype
from rocm_lsp.core.model.kernel import SiteView, TemplateKernel
from rocm_lsp.core.model.kernel_args import KernelArgs
from rocm_lsp.core.model.template_values import SizeValue

_MISSING = object()


def _public(kind: type) -> frozenset[str]:
    return frozenset(name for name in dir(kind) if not name.startswith("_"))


_BUILTIN_VALUES: tuple[type, ...] = (
    str,
    bytes,
    int,
    float,
    bool,
    list,
    tuple,
    dict,
    set,
    frozenset,
    range,
    type(None),
    type({}.keys()),
    type({}.values()),
    type({}.items()),
    datetime.date,
    datetime.time,
    datetime.datetime,
    datetime.timedelta,
    datetime.timezone,
    markupsafe.Markup,
)

ALLOWED: dict[type, frozenset[str]] = {
    **{kind: _public(kind) for kind in _BUILTIN_VALUES},
    IRNode: frozenset(
        {
            "get_name",
            "get_size",
            "get_stride",
            "get_layout",
            "get_dtype",
            "get_device",
            "get_numel",
            "name",
            "layout",
            "dtype",
        }
    ),
    Layout: frozenset({"dtype", "size", "stride", "offset", "device"}),
    TorchDtype: frozenset({"itemsize", "is_floating_point", "is_complex", "is_signed"}),
    Device: frozenset({"type", "index"}),
    KernelArgs: frozenset({"input_buffers", "output_buffers", "sizevars"}),
    jinja2.runtime.LoopContext: frozenset(
        {
            "index",
            "index0",
            "revindex",
            "revindex0",
            "first",
            "last",
            "length",
            "depth",
            "depth0",
            "previtem",
            "nextitem",
            "cycle",
            "changed",
        }
    ),
    jinja2.utils.Cycler: frozenset({"next", "reset", "current", "items", "pos"}),
    jinja2.runtime.Macro: frozenset({"name", "arguments", "catch_kwargs", "catch_varargs", "caller"}),
    jinja2.runtime.BlockReference: frozenset({"name", "super"}),
}

# Kinds whose every public attribute is data the template itself stored or declared.
_DATA_HOLDERS: tuple[type, ...] = (jinja2.utils.Namespace,)


def kernel_attributes(kernel: TemplateKernel) -> frozenset[str]:
    """The hooks and documented attributes of a profile's kernel."""
    profile = getattr(kernel, "profile", None)  # set by Profile.new_kernel
    if profile is None:
        return frozenset({"rocmlsp_site"})
    return frozenset(profile.hooks) | profile.attributes | {"rocmlsp_site"}


def allowed_attribute(obj: Any, name: str) -> bool:
    """Whether a template may read ``obj.name``."""
    if name.startswith("_"):
        return False
    if isinstance(obj, SizeValue):
        return False  # operators only
    if isinstance(obj, SiteView):
        obj = obj._kernel
    if isinstance(obj, TemplateKernel):
        return name in kernel_attributes(obj)
    if isinstance(obj, _DATA_HOLDERS):
        return True
    if _is_group(obj):
        return name in ("grouper", "list", "count", "index")
    return name in ALLOWED.get(type(obj), ())


def _is_group(obj: Any) -> bool:
    """``groupby``'s result items (a namedtuple class private to Jinja)."""
    return type(obj).__name__ == "_GroupTuple" and type(obj).__module__ == "jinja2.filters"


def refusal(obj: Any, name: str) -> str | None:
    """Why ``obj.name`` is refused, when the attribute exists but is not allowed; None when
    the object simply has no such attribute (Jinja's ordinary undefined)."""
    target = obj._kernel if isinstance(obj, SiteView) else obj
    if isinstance(obj, SizeValue):
        return (
            f"size values offer no {name!r} in templates: they support arithmetic, comparison, "
            "int(), float(), str() and formatting (torch's sympy methods are not reachable)"
        )
    kind = type(target).__name__
    if name.startswith("_"):
        return f"{kind}.{name} is not available to templates (no attribute starting with '_' is)"
    listed = isinstance(target, (TemplateKernel, *_DATA_HOLDERS)) or type(target) in ALLOWED
    if listed and inspect.getattr_static(target, name, _MISSING) is _MISSING:
        return None  # an ordinary missing attribute (Jinja's undefined)
    if isinstance(target, TemplateKernel):
        offered = ", ".join(sorted(kernel_attributes(target) - {"rocmlsp_site"}))
        return f"kernel.{name} is not available to templates; the kernel offers {offered}"
    offered_names = sorted(ALLOWED.get(type(target), ()))
    if offered_names and len(offered_names) <= 12:
        return f"{kind}.{name} is not available to templates; {kind} offers {', '.join(offered_names)}"
    return f"{kind}.{name} is not available to templates (not on the sandbox's allow-list)"


__all__ = ["ALLOWED", "allowed_attribute", "kernel_attributes", "refusal"]

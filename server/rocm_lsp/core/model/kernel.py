"""The template kernel a template sees as ``kernel``: hook plumbing shared by profiles.

Each hook records a :class:`HookCall` (its call site, result or error, and the quirks
Inductor would silently accept), so hover, inlay hints and diagnostics can show what
every call expanded to. Profiles subclass :class:`TemplateKernel`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rocm_lsp.core.model import symbolic
from rocm_lsp.core.model.indented_buffer import IndentedBuffer
from rocm_lsp.core.model.ir import IRNode
from rocm_lsp.core.model.kernel_args import DtypeKeyError, KernelArgs
from rocm_lsp.core.model.sizes import SizeExpr
from rocm_lsp.core.rules import arguments, def_kernel, size, values
from rocm_lsp.core.rules.finding import WHOLE_CALL, Finding, Locator

if TYPE_CHECKING:
    from rocm_lsp.core.model.profiles.model import Profile

EXTRA_CPP_ARGS = "size_t* workspace_size, uint8_t* workspace, hipStream_t stream"


class HookError(Exception):
    """A hook raised, as Inductor's would; carries our message and Inductor's own."""

    def __init__(
        self,
        code: str,
        message: str,
        inductor_type: str,
        inductor_message: str,
        where: Locator = WHOLE_CALL,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.inductor_type = inductor_type
        self.inductor_message = inductor_message
        self.where = where

    @classmethod
    def of(cls, finding: Finding, inductor_type: str, inductor_message: str) -> HookError:
        """The error Inductor raises (``inductor_type``: ``inductor_message``) for a rule's finding."""
        return cls(finding.code, finding.message, inductor_type, inductor_message, finding.where)

    def __reduce__(self) -> tuple[Any, ...]:
        return (HookError, (self.code, self.message, self.inductor_type, self.inductor_message, self.where))


@dataclass(frozen=True)
class HookNote:
    """Something Inductor accepts silently but the author almost surely did not mean."""

    code: str
    message: str
    where: Locator = WHOLE_CALL


@dataclass
class HookCall:
    """One executed hook call."""

    site: int | None
    hook: str
    arguments: dict[str, Any] = field(default_factory=dict)
    result: str | None = None
    error: HookError | None = None
    notes: list[HookNote] = field(default_factory=list)
    # def_kernel: the parameters and size symbols at the time of the call.
    parameters: list[tuple[str, str, str]] = field(default_factory=list)  # (cpp type, name, node)
    renamed: dict[str, str] = field(default_factory=dict)  # symbol -> ks name added by this call


SITE_KEYWORD = "_rocmlsp_site"


def _undefined(value: Any) -> bool:
    """Whether ``value`` is the template engine's undefined value (Jinja's ``Undefined``, which
    raises its own error when used, as a missing name raises in Inductor); the model imports
    no Jinja, so it asks for the one method such values have."""
    return callable(getattr(type(value), "_fail_with_undefined_error", None))


def hook(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a kernel method as a template hook: record its call, map errors to findings."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(self: TemplateKernel, *args: Any, **kwargs: Any) -> Any:
        site = kwargs.pop(SITE_KEYWORD, None)
        call = HookCall(site, fn.__name__)
        self.calls.append(call)
        self._current = call
        try:
            try:
                bound = signature.bind(self, *args, **kwargs)
            except TypeError:
                try:
                    fn(self, *args, **kwargs)  # for the text Python (and so Inductor) raises
                except TypeError as exc:
                    raise _binding_error(self, fn.__name__, args, kwargs, exc) from None
                raise
            call.arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
            result = fn(self, *args, **kwargs)
            call.result = result
            return result
        except HookError as exc:
            call.error = exc
            raise
        finally:
            self._current = None

    wrapper.is_hook = True  # type: ignore[attr-defined]
    return wrapper


def _binding_error(kernel: TemplateKernel, name: str, args: tuple, kwargs: dict, exc: TypeError) -> HookError:
    params = kernel.profile.hooks[name].params  # every hook has a spec (tests/test_profiles.py)
    binding = arguments.bind(name, params, [None] * len(args) + list(kwargs))
    return HookError.of(arguments.rejected(name, binding, str(exc)), "TypeError", str(exc))


class SiteView:
    """``kernel.rocmlsp_site(n)``: the kernel, with hook calls tagged by call site ``n``."""

    def __init__(self, kernel: TemplateKernel, site: int) -> None:
        self._kernel = kernel
        self._site = site

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._kernel, name)
        if getattr(value, "is_hook", False):
            return functools.partial(value, **{SITE_KEYWORD: self._site})
        return value


class TemplateKernel:
    """State and helpers common to every profile's ``ROCmTemplateKernel``; what differs between
    torch versions beyond the hook methods is read from ``profile`` (set by ``Profile.new_kernel``)."""

    profile: Profile

    def __init__(self, kernel_name: str) -> None:
        self.kernel_name = kernel_name
        self.args = KernelArgs()
        self.named_nodes: dict[str, IRNode] = {}
        self.calls: list[HookCall] = []
        self._current: HookCall | None = None
        self._buffers: dict[str, IRNode] = {}
        self._def_kernel_calls = 0

    def rocmlsp_site(self, site: int) -> SiteView:
        return SiteView(self, site)

    # -- helpers shared by the hooks ---------------------------------------------------
    def _note(self, code: str, message: str, where: Locator = WHOLE_CALL) -> None:
        if self._current is not None:
            self._current.notes.append(HookNote(code, message, where))

    def _check_node(self, value: Any, arg: str, element: int | None = None) -> IRNode | None:
        if value is None or isinstance(value, IRNode):
            return value
        if _undefined(value):
            value._fail_with_undefined_error()  # as node.get_name() would in Inductor
        kind = type(value).__name__
        finding = values.not_a_node(arg, element, kind)
        raise HookError.of(finding, "AttributeError", f"'{kind}' object has no attribute 'get_name'")

    def _node_list(self, value: Any, arg: str) -> list[IRNode | None]:
        if _undefined(value):
            value._fail_with_undefined_error()
        if not isinstance(value, (list, tuple)):
            kind = type(value).__name__
            raise HookError.of(
                values.not_a_list(arg, kind), "TypeError", f"object of type '{kind}' has no len()"
            )
        return [self._check_node(v, arg, i) for i, v in enumerate(value)]

    def _bind_buffers(
        self,
        inputs: Any,
        outputs: Any,
        names_str: Any,
        input_reorder: Any,
    ) -> None:
        """The buffer bookkeeping of ``def_kernel`` (every era shares it); the rules are
        :mod:`rocm_lsp.core.rules.def_kernel`'s, raised or noted as Inductor would."""
        inputs = self._node_list(inputs, "inputs")
        outputs = self._node_list(outputs, "outputs")
        if not isinstance(names_str, str):
            kind = type(names_str).__name__
            finding = values.not_a_string("names_str", kind)
            raise HookError.of(finding, "AttributeError", f"'{kind}' object has no attribute 'strip'")
        names = [x.strip() for x in names_str.strip().split(",")]
        self._def_kernel_calls += 1
        if self._def_kernel_calls > 1:
            self._note(
                "RL216",
                "def_kernel was already called: its parameters accumulate into this signature",
            )
        arity = def_kernel.names_arity(names, len(inputs), len(outputs), omitted=not names_str.strip())
        if arity is not None:
            raise HookError.of(
                arity,
                "RuntimeError",
                f"len(inputs) + len(outputs)={len(inputs) + len(outputs)} != "
                f"len(names)={len(names)}, inputs={inputs!r}, outputs={outputs!r}, names={names!r}",
            )
        rewrite = self.profile.reorder_rewrite
        before, after = (rewrite.before, rewrite.after) if rewrite else (None, ())
        reorder = def_kernel.rewritten_reorder(input_reorder, before, after)
        order: list[Any] = list(range(len(inputs)))
        if reorder is not None:
            try:
                count = len(reorder)  # type: ignore[arg-type]
            except TypeError as exc:
                finding = values.not_a_list("input_reorder", type(reorder).__name__)
                raise HookError.of(finding, "TypeError", str(exc)) from None
            length = def_kernel.reorder_length(
                count, len(inputs), reorder is not input_reorder, self.profile.torch, before or (), after
            )
            if length is not None:
                inductor_text = self.profile.reorder_length_message(len(inputs), count)
                raise HookError.of(length, "AssertionError", inductor_text)
            order = list(reorder)  # type: ignore[call-overload]
        per_entry: dict[int | None, list[Finding]] = {}
        for finding in def_kernel.reorder_entries(order, len(inputs)):
            per_entry.setdefault(finding.where.element, []).append(finding)
        for position, idx in enumerate(order):  # in order, as Inductor meets them
            if not isinstance(idx, int):
                try:
                    names[idx]
                except (TypeError, IndexError, KeyError) as exc:
                    finding = values.wrong_entry("input_reorder", position, type(idx).__name__)
                    raise HookError.of(finding, type(exc).__name__, str(exc)) from None
            for finding in per_entry.get(position, ()):
                if finding.code == "RL203":
                    raise HookError.of(finding, "IndexError", "list index out of range")
                self._note(finding.code, finding.message, finding.where)
            name, node = names[idx], inputs[idx]
            if node is not None:
                self.named_nodes[name] = node
                self.args.input_buffers[node.name] = name
                self._buffers[node.name] = node
        for finding in per_entry.get(None, ()):
            self._note(finding.code, finding.message, finding.where)
        for name, node in zip(names[len(inputs) : len(inputs) + len(outputs)], outputs):
            if node is not None:
                self.named_nodes[name] = node
                self.args.output_buffers[node.name] = name
                self._buffers[node.name] = node

    def _arg_defs(self) -> list[str]:
        try:
            arg_defs, _, arg_types = self.args.cpp_argdefs(
                self.profile.dtype_table,
                self.profile.index_type,
                lambda name: self._buffers[name].dtype_name,
            )
        except DtypeKeyError as exc:
            node = next(n for n in self._buffers.values() if n.dtype_name == exc.dtype)
            finding = def_kernel.dtype_missing(node.name, exc.dtype, self.profile.name)
            raise HookError.of(finding, "KeyError", f"torch.{exc.dtype}") from None
        if self._current is not None:
            params = []
            pairs = self.args.python_call_args()
            for (outer, inner), arg_type in zip(pairs, arg_types):
                params.append((arg_type, inner, outer))
            self._current.parameters = params
        return arg_defs

    def _rename_indexing(self, value: Any) -> Any:
        """``Kernel.rename_indexing``: size symbols become ``ks…`` kernel arguments."""
        if isinstance(value, int):
            return value
        expr = symbolic.expand(value)
        renames: dict[str, str] = {}
        for name in symbolic.free_symbol_names(expr):
            if symbolic.is_size_symbol(name):
                known = name in self.args.sizevars
                renames[name] = self.args.size(name)
                if not known and self._current is not None:
                    self._current.renamed[name] = renames[name]
        return symbolic.replace_symbols(expr, renames)

    def _size_of(self, node: IRNode, start_index: Any, end_index: Any, default_value: Any) -> str:
        """The body of the seed's ``size`` hook (also used by ``check_not_null``)."""
        rank = node.rank
        try:  # exactly the seed's _normalize_idx and slice, so odd types fail as they fail there
            start = start_index if start_index >= 0 else start_index + rank
            end = start if end_index is None else end_index
            end = end if end >= 0 else end + rank
            entries: list[SizeExpr] = list(node.layout.size_exprs[start : end + 1])
        except TypeError as exc:
            bad_arg = "end_index" if isinstance(start_index, int) else "start_index"
            value = end_index if bad_arg == "end_index" else start_index
            raise HookError.of(
                values.not_an_index(bad_arg, type(value).__name__), "TypeError", str(exc)
            ) from None
        finding = size.size_range(node.name, rank, start_index, end_index, default_value)
        if finding is not None:
            self._note(finding.code, finding.message, finding.where)
        if not entries:
            return str(default_value)
        before = len(self.args.sizevars)
        try:
            text = symbolic.cexpr(self._rename_indexing(symbolic.product(entries)))
        except symbolic.SizeOverflowError as exc:
            raise HookError(
                "RL302",
                f"the size product of {node.name} over these dimensions does not fit in int64_t",
                "OverflowError",
                str(exc),
            ) from None
        if self._def_kernel_calls and len(self.args.sizevars) > before and self._current:
            added = ", ".join(f"{sym} -> {ks}" for sym, ks in self._current.renamed.items())
            self._note(
                "RL301",
                f"{added} is introduced after def_kernel, so the exported signature has no "
                f"such parameter and the C++ will not compile; call size() for it before "
                f"def_kernel",
            )
        return text

    def _arg_name(self, node: Any) -> str | None:
        """The body of ``arg_name`` (the hook itself is defined where torch defines it)."""
        node = self._check_node(node, "node")
        if node is None:
            return None
        name = self.args.arg_name(node.name)
        if name is None:
            self._unbound_note(node, "None")
        return name

    def _unbound_note(self, node: IRNode, yields: str) -> None:
        what = "before def_kernel" if not self._def_kernel_calls else "def_kernel did not get it"
        self._note(
            "RL218",
            f"{node.name} has no parameter ({what}): Inductor silently yields {yields} here",
            Locator("node"),
        )

    def _check_not_null(self, node: IRNode) -> str:
        size_str = self._size_of(node, 0, -1, 0)
        name_str = self.args.arg_name(node.name)
        if name_str is None:
            self._unbound_note(node, "an empty string")
            return ""
        res = IndentedBuffer(initial_indent=8)
        res.tabwidth = 1
        res.splice(
            f"""
            if (!{name_str}) {{
                int64_t {name_str}_size = {size_str};
                if ({name_str}_size > 0) {{
                    throw std::runtime_error("input {name_str} is null but size is not 0!");
                }}
            }}
            """
        )
        return res.getvalue()

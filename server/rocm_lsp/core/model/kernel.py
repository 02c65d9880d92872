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
from rocm_lsp.core.model.messages import arity_message, negative_reorder_message, plural, rewrite_message
from rocm_lsp.core.model.sizes import SizeExpr

if TYPE_CHECKING:
    from rocm_lsp.core.model.profiles.model import Profile

EXTRA_CPP_ARGS = "size_t* workspace_size, uint8_t* workspace, hipStream_t stream"


@dataclass(frozen=True)
class Locator:
    """Where in a hook call a finding belongs: an argument, optionally one list element."""

    arg: str | None = None
    element: int | None = None


class HookError(Exception):
    """A hook raised, as Inductor's would; carries our message and Inductor's own."""

    def __init__(
        self,
        code: str,
        message: str,
        inductor_type: str,
        inductor_message: str,
        where: Locator = Locator(),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.inductor_type = inductor_type
        self.inductor_message = inductor_message
        self.where = where

    def __reduce__(self) -> tuple[Any, ...]:
        return (HookError, (self.code, self.message, self.inductor_type, self.inductor_message, self.where))


@dataclass(frozen=True)
class HookNote:
    """Something Inductor accepts silently but the author almost surely did not mean."""

    code: str
    message: str
    where: Locator = Locator()


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
                    fn(self, *args, **kwargs)
                except TypeError as exc:
                    raise _binding_error(fn.__name__, signature, args, kwargs, exc) from None
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


def _binding_error(
    name: str, signature: inspect.Signature, args: tuple, kwargs: dict, exc: TypeError
) -> HookError:
    text = str(exc)
    params = [p for p in signature.parameters if p != "self"]
    if "missing" in text:
        missing = [p for p in params if f"'{p}'" in text]
        what = ", ".join(missing) or "an argument"
        return HookError(
            "RL206",
            f"{name}() is missing the required argument {what}",
            "TypeError",
            text,
        )
    unexpected = next((k for k in kwargs if k not in params), None)
    if unexpected is not None:
        return HookError(
            "RL207",
            f"{name}() has no parameter {unexpected!r} in this profile",
            "TypeError",
            text,
            Locator(unexpected),
        )
    return HookError("RL207", f"{name}() got too many arguments", "TypeError", text)


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
    def _note(self, code: str, message: str, where: Locator = Locator()) -> None:
        if self._current is not None:
            self._current.notes.append(HookNote(code, message, where))

    def _check_node(self, value: Any, arg: str, element: int | None = None) -> IRNode | None:
        if value is None or isinstance(value, IRNode):
            return value
        if _undefined(value):
            value._fail_with_undefined_error()  # as node.get_name() would in Inductor
        kind = type(value).__name__
        what = "the node argument" if arg == "node" else f"{arg} entries"
        raise HookError(
            "RL210",
            f"{what} must be nodes declared in [nodes] or none, not a {kind}",
            "AttributeError",
            f"'{kind}' object has no attribute 'get_name'",
            Locator(arg, element),
        )

    def _node_list(self, value: Any, arg: str) -> list[IRNode | None]:
        if _undefined(value):
            value._fail_with_undefined_error()
        if not isinstance(value, (list, tuple)):
            kind = type(value).__name__
            raise HookError(
                "RL210",
                f"{arg} must be a list of nodes, not a {kind}",
                "TypeError",
                f"object of type '{kind}' has no len()",
                Locator(arg),
            )
        return [self._check_node(v, arg, i) for i, v in enumerate(value)]

    def _bind_buffers(
        self,
        inputs: Any,
        outputs: Any,
        names_str: Any,
        input_reorder: Any,
    ) -> None:
        """The buffer bookkeeping of ``def_kernel`` (every era shares it)."""
        inputs = self._node_list(inputs, "inputs")
        outputs = self._node_list(outputs, "outputs")
        if not isinstance(names_str, str):
            kind = type(names_str).__name__
            raise HookError(
                "RL210",
                f"names_str must be a string of comma-separated names, not a {kind}",
                "AttributeError",
                f"'{kind}' object has no attribute 'strip'",
                Locator("names_str"),
            )
        names = [x.strip() for x in names_str.strip().split(",")]
        self._def_kernel_calls += 1
        if self._def_kernel_calls > 1:
            self._note(
                "RL216",
                "def_kernel was already called: its parameters accumulate into this signature",
            )
        if len(inputs) + len(outputs) != len(names):
            raise HookError(
                "RL201",
                arity_message(names, len(inputs), len(outputs), omitted=not names_str.strip()),
                "RuntimeError",
                f"len(inputs) + len(outputs)={len(inputs) + len(outputs)} != "
                f"len(names)={len(names)}, inputs={inputs!r}, outputs={outputs!r}, names={names!r}",
                Locator("names_str"),
            )
        rewritten = False
        rewrite = self.profile.reorder_rewrite
        if rewrite is not None and input_reorder == list(rewrite.before):
            input_reorder = list(rewrite.after)
            rewritten = True
        if input_reorder is not None:
            try:
                count = len(input_reorder)
            except TypeError as exc:
                kind = type(input_reorder).__name__
                raise HookError(
                    "RL210",
                    f"input_reorder must be a list of input indices, not a {kind}",
                    "TypeError",
                    str(exc),
                    Locator("input_reorder"),
                ) from None
            if len(inputs) != count:
                inductor_text = self.profile.reorder_length_message(len(inputs), count)
                if rewritten:
                    raise HookError(
                        "RL208",
                        rewrite_message(self.profile, len(inputs), "it"),
                        "AssertionError",
                        inductor_text,
                        Locator("input_reorder"),
                    )
                raise HookError(
                    "RL202",
                    f"input_reorder has {plural(len(input_reorder), 'entry', 'entries')} "
                    f"but def_kernel got {plural(len(inputs), 'input')}",
                    "AssertionError",
                    inductor_text,
                    Locator("input_reorder"),
                )
        else:
            input_reorder = list(range(len(inputs)))
        for position, idx in enumerate(input_reorder):
            if not isinstance(idx, int):
                try:
                    names[idx]
                except (TypeError, IndexError, KeyError) as exc:
                    raise HookError(
                        "RL210",
                        f"input_reorder entries must be integers, not {type(idx).__name__}",
                        type(exc).__name__,
                        str(exc),
                        Locator("input_reorder", position),
                    ) from None
            if not -len(inputs) <= idx < len(inputs):
                raise HookError(
                    "RL203",
                    f"input_reorder entry {idx} is out of range for {len(inputs)} inputs "
                    f"(valid: 0..{len(inputs) - 1})",
                    "IndexError",
                    "list index out of range",
                    Locator("input_reorder", position),
                )
            if idx < 0:
                self._note("RL204", negative_reorder_message(idx), Locator("input_reorder", position))
            name, node = names[idx], inputs[idx]
            if node is not None:
                self.named_nodes[name] = node
                self.args.input_buffers[node.name] = name
                self._buffers[node.name] = node
        if all(i >= 0 for i in input_reorder) and sorted(map(int, input_reorder)) != list(range(len(inputs))):
            self._note(
                "RL204",
                f"input_reorder {list(input_reorder)} is not a permutation of "
                f"0..{len(inputs) - 1}: some inputs are dropped or passed twice",
                Locator("input_reorder"),
            )
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
            raise HookError(
                "RL209",
                f"{node.name} has dtype {exc.dtype}, which this profile's C++ type table "
                f"({self.profile.name}) does not have",
                "KeyError",
                f"torch.{exc.dtype}",
                Locator(node.name),
            ) from None
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
            raise HookError(
                "RL210",
                f"{bad_arg} must be an integer, not {type(value).__name__}",
                "TypeError",
                str(exc),
                Locator(bad_arg),
            ) from None
        bad = [v for v in (start_index, end_index) if v is not None and not -rank <= v < rank]
        if not entries:
            if bad or start > end:
                self._note(
                    "RL215",
                    f"size({node.name}, {start_index}"
                    + ("" if end_index is None else f", {end_index}")
                    + f") selects no dimension of the rank-{rank} {node.name}: "
                    f"Inductor silently yields the default {default_value}",
                    Locator("start_index" if bad and bad[0] == start_index else "end_index"),
                )
            return str(default_value)
        if bad:
            self._note(
                "RL215",
                f"index {bad[0]} is past the rank {rank} of {node.name}; Inductor wraps it "
                f"silently and still returns a size",
                Locator("start_index" if bad[0] == start_index else "end_index"),
            )
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

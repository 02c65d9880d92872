"""The IR nodes a template sees: buffers with a dtype and a fixed layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rocm_lsp.core.model import symbolic
from rocm_lsp.core.model.sizes import SizeExpr
from rocm_lsp.core.model.template_values import SizeValue, wrap


def contiguous_strides(size: list[SizeExpr]) -> list[SizeExpr]:
    """``FlexibleLayout.contiguous_strides``: row-major strides over ``size``."""
    strides: list[SizeExpr] = []
    acc: tuple = ("int", 1)
    for entry in reversed(size):
        strides.append(SizeExpr(_tree_text(acc), acc))
        acc = ("mul", acc, entry.tree) if acc != ("int", 1) else entry.tree
    return list(reversed(strides))


def _tree_text(tree: tuple) -> str:
    kind = tree[0]
    if kind == "int":
        return str(tree[1])
    if kind == "sym":
        return tree[1]
    if kind == "neg":
        return f"-({_tree_text(tree[1])})"
    if kind == "pow":
        return f"({_tree_text(tree[1])})**{tree[2]}"
    op = {"add": " + ", "sub": " - ", "mul": "*"}[kind]
    return f"({_tree_text(tree[1])}){op}({_tree_text(tree[2])})"


def _value(entry: SizeExpr) -> SizeValue:
    """What a template sees: the sympy expression torch has (``sympy.Integer`` for constants),
    as a :class:`SizeValue`, never the sympy object itself."""
    return wrap(symbolic.to_sympy(entry.tree))


def _display(entry: SizeExpr) -> str:
    """sympy's ``str`` of an entry, without importing sympy for constants."""
    constant = entry.constant
    return str(constant) if constant is not None else symbolic.pexpr(symbolic.to_sympy(entry.tree))


@dataclass(frozen=True)
class TorchDtype:
    """Renders like ``torch.float16``; equal only to the same dtype (never to a string)."""

    name: str

    def __str__(self) -> str:
        return f"torch.{self.name}"

    __repr__ = __str__

    @property
    def itemsize(self) -> int:
        from rocm_lsp.core.model.dtypes import ITEMSIZE

        return ITEMSIZE[self.name]

    @property
    def is_floating_point(self) -> bool:
        return self.name.startswith(("float", "bfloat"))

    @property
    def is_complex(self) -> bool:
        return self.name.startswith("complex")

    @property
    def is_signed(self) -> bool:
        return not self.name.startswith(("uint", "bool"))


@dataclass(frozen=True)
class Device:
    """Renders like ``torch.device('cuda:0')`` does: ``cuda:0``."""

    type: str = "cuda"
    index: int = 0

    def __str__(self) -> str:
        return f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}', index={self.index})"


@dataclass(frozen=True)
class Layout:
    """Jinja-visible layout, shaped like Inductor's ``FixedLayout``."""

    dtype_name: str
    size_exprs: tuple[SizeExpr, ...]
    stride_exprs: tuple[SizeExpr, ...]
    offset_expr: SizeExpr

    @property
    def dtype(self) -> TorchDtype:
        return TorchDtype(self.dtype_name)

    @property
    def size(self) -> list[Any]:
        return [_value(e) for e in self.size_exprs]

    @property
    def stride(self) -> list[Any]:
        return [_value(e) for e in self.stride_exprs]

    @property
    def offset(self) -> Any:
        return _value(self.offset_expr)

    @property
    def device(self) -> Device:
        return Device()

    def __str__(self) -> str:
        sizes = ", ".join(_display(e) for e in self.size_exprs)
        strides = ", ".join(_display(e) for e in self.stride_exprs)
        offset = _display(self.offset_expr)
        extra = "" if offset == "0" else f", offset={offset}"
        return f"FixedLayout('cuda:0', torch.{self.dtype_name}, size=[{sizes}], stride=[{strides}]{extra})"

    __repr__ = __str__


@dataclass(frozen=True, eq=False)
class IRNode:
    """An Inductor ``Buffer`` as declared in the header; identity is the object itself."""

    name: str
    layout: Layout = field(repr=False)
    kind: str = "Buffer"  # the IR class Inductor would show: Buffer or InputBuffer

    @property
    def dtype_name(self) -> str:
        return self.layout.dtype_name

    @property
    def dtype(self) -> TorchDtype:
        return self.layout.dtype

    @property
    def rank(self) -> int:
        return len(self.layout.size_exprs)

    # The IRNode methods templates call.
    def get_name(self) -> str:
        return self.name

    def get_size(self) -> list[Any]:
        return self.layout.size

    def get_stride(self) -> list[Any]:
        return self.layout.stride

    def get_layout(self) -> Layout:
        return self.layout

    def get_dtype(self) -> TorchDtype:
        return self.layout.dtype

    def get_device(self) -> Device:
        return self.layout.device

    def get_numel(self) -> Any:
        result = wrap(symbolic.to_sympy(("int", 1)))
        for value in self.layout.size:
            result = result * value
        return result

    def __str__(self) -> str:
        return f"{self.kind}(name={self.name!r}, layout={self.layout})"

    __repr__ = __str__


def make_node(
    name: str,
    dtype: str,
    size: list[SizeExpr],
    stride: list[SizeExpr] | None = None,
    offset: SizeExpr | None = None,
    kind: str = "Buffer",
) -> IRNode:
    return IRNode(
        name,
        Layout(
            dtype,
            tuple(size),
            tuple(stride if stride is not None else contiguous_strides(size)),
            offset if offset is not None else SizeExpr("0", ("int", 0)),
        ),
        kind,
    )

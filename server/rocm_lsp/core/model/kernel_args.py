"""``KernelArgs``: the buffer and size-argument bookkeeping behind a kernel signature."""

from __future__ import annotations

from collections.abc import Callable


class KernelArgs:
    """Parameter bookkeeping as Inductor's ``KernelArgs`` keeps it (no in-place buffers).

    Keys are buffer names (``input_buffers``/``output_buffers``) and symbol names
    (``sizevars``); dict insertion order is the parameter order.
    """

    def __init__(self) -> None:
        self.input_buffers: dict[str, str] = {}
        self.output_buffers: dict[str, str] = {}
        self.sizevars: dict[str, str] = {}

    def size(self, symbol: str) -> str:
        """The ``ks…`` name of a size symbol, allocated on first use."""
        if symbol == "seed":
            self.sizevars[symbol] = "seed"
            return "seed"
        if symbol not in self.sizevars:
            self.sizevars[symbol] = f"ks{len(self.sizevars)}"
        return self.sizevars[symbol]

    def arg_name(self, buffer: str) -> str | None:
        """The parameter name of a buffer: an output's name wins over an input's."""
        if buffer in self.output_buffers:
            return self.output_buffers[buffer]
        return self.input_buffers.get(buffer)

    def cpp_argdefs(
        self,
        dtype_to_cpp: dict[str, str],
        index_type: str,
        dtype_of: Callable[[str], str],
    ) -> tuple[list[str], list[str], list[str]]:
        """``(arg_defs, call_args, arg_types)`` as ``KernelArgs.cpp_argdefs`` builds them.

        Raises ``KeyError(dtype)`` for a dtype the table lacks, after the parameters
        before it were visited (as Inductor does).
        """
        arg_defs: list[str] = []
        call_args: list[str] = []
        arg_types: list[str] = []
        for outer, inner in self.input_buffers.items():
            cpp = _lookup(dtype_to_cpp, dtype_of(outer))
            arg_defs.append(f"const {cpp}* {inner}")
            call_args.append(outer)
            arg_types.append(f"const {cpp}*")
        for outer, inner in self.output_buffers.items():
            cpp = _lookup(dtype_to_cpp, dtype_of(outer))
            arg_defs.append(f"{cpp}* {inner}")
            call_args.append(outer)
            arg_types.append(f"{cpp}*")
        for outer, inner in self.sizevars.items():
            if outer.lower().startswith("zuf"):
                arg_defs.append(f"const float {inner}")
                arg_types.append("const float")
            else:
                arg_defs.append(f"const {index_type} {inner}")
                arg_types.append(f"const {index_type}")
            call_args.append(outer)
        return arg_defs, call_args, arg_types

    def python_call_args(self) -> list[tuple[str, str]]:
        """``(outer, inner)`` pairs in ``python_argdefs`` order: buffers, then size symbols."""
        return [
            *self.input_buffers.items(),
            *self.output_buffers.items(),
            *self.sizevars.items(),
        ]


class DtypeKeyError(KeyError):
    """A dtype with no entry in the profile's C++ type table."""

    def __init__(self, dtype: str) -> None:
        super().__init__(f"torch.{dtype}")
        self.dtype = dtype

    def __str__(self) -> str:
        return f"torch.{self.dtype}"


def _lookup(table: dict[str, str], dtype: str) -> str:
    try:
        return table[dtype]
    except KeyError:
        raise DtypeKeyError(dtype) from None

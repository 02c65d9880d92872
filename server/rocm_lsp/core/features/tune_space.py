"""A template's ``[tune]`` space: the configurations a sweep tries, and the header edits that
make one of them the template's ``[vars]``.

Pure: :func:`plan` enumerates the combinations of the candidates (the product, in the header's
order, sampled evenly when it is larger than the cap, always with the ``[vars]`` defaults), and
:func:`assign_vars` rewrites ``[vars]`` values in place: the sweep renders each configuration
from the rewritten text, and "apply the winner" is the same edit on the user's file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rocm_lsp.core.engine.header import Header
from rocm_lsp.core.text import Edit


@dataclass(frozen=True)
class Configuration:
    """One point of the space: a value per tuned parameter, in ``[tune]`` order."""

    index: int  # its position in the full product (stable across caps)
    values: tuple[tuple[str, Any], ...]

    @property
    def label(self) -> str:
        """``BLOCK=256, VEC=8``."""
        return ", ".join(f"{name}={toml_literal(value)}" for name, value in self.values)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)


@dataclass(frozen=True)
class TunePlan:
    """What a sweep tries: ``configurations`` out of ``total`` combinations."""

    parameters: tuple[str, ...]
    configurations: tuple[Configuration, ...]
    total: int
    default: Configuration | None  # the [vars] values, when every one is among the candidates

    @property
    def capped(self) -> bool:
        return len(self.configurations) < self.total

    def describe(self) -> str:
        """``24 configurations of BLOCK × VEC`` or ``128 of 2,048 configurations (capped) …``."""
        names = " × ".join(self.parameters)
        if self.capped:
            tried = len(self.configurations)
            return f"{tried} of {self.total:,} configurations of {names} (evenly sampled: the cap)"
        return f"{self.total} configuration{'s' if self.total != 1 else ''} of {names}"


def plan(header: Header, limit: int) -> TunePlan:
    """The configurations to try: all of them up to ``limit``, else ``limit`` evenly spread over
    the product (the defaults included)."""
    names = tuple(header.tune)
    candidates = [header.tune[name] for name in names]
    total = math.prod(len(c) for c in candidates) if names else 0
    default_values = tuple((name, header.vars[name]) for name in names)
    default_index = _index_of(candidates, [v for _, v in default_values])
    wanted: list[int]
    if total <= limit:
        wanted = list(range(total))
    else:
        step = total / max(1, limit)
        wanted = sorted({min(total - 1, int(i * step)) for i in range(max(1, limit))})
        if default_index is not None and default_index not in wanted:
            wanted[-1] = default_index
            wanted.sort()
    configurations = tuple(Configuration(i, tuple(zip(names, _point(candidates, i)))) for i in wanted)
    default = Configuration(default_index, default_values) if default_index is not None else None
    return TunePlan(names, configurations, total, default)


def _point(candidates: list[tuple[Any, ...]], index: int) -> list[Any]:
    """The ``index``-th element of the product (the last parameter varies fastest)."""
    out: list[Any] = []
    for values in reversed(candidates):
        index, at = divmod(index, len(values))
        out.append(values[at])
    return out[::-1]


def _index_of(candidates: list[tuple[Any, ...]], point: list[Any]) -> int | None:
    index = 0
    for values, value in zip(candidates, point):
        matches = [i for i, v in enumerate(values) if v == value and type(v) is type(value)]
        if not matches:
            return None
        index = index * len(values) + matches[0]
    return index


def toml_literal(value: Any) -> str:
    """A [vars] value as TOML writes it: ``true``, ``256``, ``0.5``, ``"wave64"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    raise TypeError(f"not a [tune] value: {value!r}")


def assign_vars(header: Header, values: Mapping[str, Any]) -> tuple[Edit, ...]:
    """Edits that set each ``[vars]`` entry of ``values`` in place (KeyError for one the header
    does not declare as a plain ``name = value``)."""
    edits = []
    for name, value in values.items():
        span = header.spans.get(("vars", name, "="))
        if span is None:
            raise KeyError(name)
        edits.append(Edit(span, toml_literal(value)))
    return tuple(edits)

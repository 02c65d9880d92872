"""Everything a template can reach, enumerated: no library object, nothing that runs a string.

The walk starts from every value a render hands a template — the kernel of each profile, IR
nodes with symbolic and constant sizes, every TOML value type a ``[vars]`` entry can hold,
and Jinja's runtime objects (``loop``, ``cycler``, ``joiner``, ``namespace``, macros,
``self``) — and follows every attribute the sandbox lets a template read, calling every
callable with payloads that would create a sentinel file if any of them were evaluated, and
following what comes back. No sentinel may appear, no sympy object may be met, and every
attribute the sandbox refuses must come back as a refusal, never as the value.
"""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path
from typing import Any

import jinja2
import pytest

from rocm_lsp.core.engine import sandbox_policy
from rocm_lsp.core.engine.header import parse_header
from rocm_lsp.core.engine.jinja_env import environment
from rocm_lsp.core.engine.render import build_nodes
from rocm_lsp.core.model.ir import Device, IRNode, Layout, TorchDtype
from rocm_lsp.core.model.kernel import SiteView, TemplateKernel
from rocm_lsp.core.model.kernel_args import KernelArgs
from rocm_lsp.core.model.profiles import PROFILES
from rocm_lsp.core.model.template_values import SizeValue, is_sympy
from rocm_lsp.core.text import LineIndex

HEADER = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = ["s0", 64], stride = [64, 1] }
W = { dtype = "bfloat16", size = [64, "s1*2"] }
B = { dtype = "float32", size = [8] }
[vars]
text = "abc"
number = 3
ratio = 1.5
flag = true
items = [1, "two", 3.0]
table = { a = 1, b = "x" }
when = 1979-05-27T07:32:00Z
day = 1979-05-27
clock = 07:32:00
-#}
"""
# Collects Jinja's runtime objects as a template sees them.
COLLECTOR = (
    "{% macro m(a) %}{{ a }}{% endmacro %}{% set ns = namespace(v=1) %}"
    "{% for i in [1, 2] %}{{ keep(loop) }}{% endfor %}"
    "{{ keep(cycler(1, 2)) }}{{ keep(joiner(',')) }}{{ keep(ns) }}{{ keep(m) }}{{ keep(self) }}"
    "{{ keep(range(3)) }}{{ keep(lipsum) }}{{ keep(dict) }}"
    "{{ keep(table.items() | list) }}{{ keep([{'k': 1}, {'k': 2}] | groupby('k') | list) }}"
)


def _payloads(sentinel: Path) -> list[str]:
    return [
        f"__import__('pathlib').Path({str(sentinel)!r}).touch()",
        f"__import__('os').system('touch {sentinel}')",
        f"open({str(sentinel)!r}, 'w')",
    ]


def _roots() -> list[Any]:
    text = HEADER + "{{ X }}"
    header = parse_header(text, LineIndex(text))
    assert not header.diagnostics, header.diagnostics
    roots: list[Any] = [*header.vars.values(), *(n for n in build_nodes(header).values() if n)]
    roots += [n for n in build_nodes(header, static=True).values() if n]
    for profile in PROFILES.values():
        kernel = profile.new_kernel("k", [{"name": "seed", "ty": "int64_t", "value": 1}])
        roots += [kernel, kernel.rocmlsp_site(0)]
    kept: list[Any] = []
    env = environment()
    env.from_string(COLLECTOR).render(keep=lambda v: kept.append(v) or "", **header.vars)
    return roots + kept


def _attempt(call: Any) -> Any:
    try:
        return call()
    except Exception:  # noqa: BLE001 - any refusal or error is fine; only an effect is not
        return None


def _walk(sentinel: Path, depth: int = 3) -> tuple[set[type], list[str]]:
    env = environment()
    context = env.from_string("").new_context({})
    payloads = _payloads(sentinel)
    seen_types: set[type] = set()
    problems: list[str] = []
    frontier: list[tuple[Any, str]] = [(r, type(r).__name__) for r in _roots()]
    visited: set[int] = set()
    keep_alive: list[Any] = []
    for _ in range(depth):
        found: list[tuple[Any, str]] = []
        for obj, path in frontier:
            if id(obj) in visited:
                continue
            visited.add(id(obj))
            keep_alive.append(obj)
            seen_types.add(type(obj))
            if is_sympy(obj):
                problems.append(f"{path}: a sympy object reached the template")
                continue
            for name in dir(obj):
                value = _attempt(lambda obj=obj, name=name: env.getattr(obj, name))
                allowed = sandbox_policy.allowed_attribute(obj, name)
                if not allowed:
                    if not isinstance(value, jinja2.Undefined) and not _is_item(obj, name, value):
                        problems.append(f"{path}.{name}: refused attribute was returned")
                    continue
                if isinstance(value, jinja2.Undefined):
                    continue
                found.append((value, f"{path}.{name}"))
                if callable(value):
                    for args in _argument_lists(payloads):
                        result = _attempt(lambda v=value, a=args: env.call(context, v, *a))
                        if result is not None:
                            found.append((result, f"{path}.{name}(…)"))
                            found.extend(_items(result, f"{path}.{name}(…)"))
            found.extend(_items(obj, path))
        frontier = found
    return seen_types, problems


def _is_item(obj: Any, name: str, value: Any) -> bool:
    """Jinja reads ``d.key`` as ``d['key']``: that is the item, not the attribute."""
    try:
        return obj[name] is value
    except Exception:  # noqa: BLE001
        return False


def _argument_lists(payloads: list[str]) -> list[tuple[Any, ...]]:
    p = payloads
    return [(), (p[0],), (p[1], p[2]), (p[0], 8), (8, p[1]), (p[0], p[1], p[2])]


def _items(obj: Any, path: str) -> list[tuple[Any, str]]:
    if isinstance(obj, (str, bytes, range)):
        return []
    if isinstance(obj, dict):
        return [(v, f"{path}[{k!r}]") for k, v in itertools.islice(obj.items(), 20)]
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [(v, f"{path}[{i}]") for i, v in enumerate(itertools.islice(obj, 20))]
    return []


def test_nothing_reachable_from_a_template_evaluates_a_payload(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    seen, problems = _walk(sentinel)
    assert problems == []
    assert not sentinel.exists()
    # The walk met every kind of value a template holds (so it proves something).
    kernels = {p.kernel_class for p in PROFILES.values()}
    expected = {IRNode, Layout, TorchDtype, Device, KernelArgs, SiteView, *kernels}
    expected |= {
        jinja2.runtime.LoopContext,
        jinja2.utils.Cycler,
        jinja2.utils.Namespace,
        jinja2.runtime.Macro,
    }
    expected |= {str, int, float, bool, list, dict, datetime.datetime, datetime.date, datetime.time}
    assert expected <= seen, expected - seen
    assert any(issubclass(t, SizeValue) for t in seen)


@pytest.mark.parametrize(
    "operation",
    [
        lambda s, p: s + p,
        lambda s, p: p + s,
        lambda s, p: s * p,
        lambda s, p: s - p,
        lambda s, p: s / p,
        lambda s, p: s // p,
        lambda s, p: s % p,
        lambda s, p: s**p,
        lambda s, p: s < p,
        lambda s, p: s >= p,
        lambda s, p: s == p,
        lambda s, p: format(s, p),
        lambda s, p: round(s, p),  # type: ignore[call-overload]
    ],
)
def test_size_value_operators_never_read_strings(operation: Any, tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    sizes = [v for r in _roots() if isinstance(r, IRNode) for v in (*r.get_size(), *r.get_stride())]
    assert any(not str(v).isdigit() for v in sizes)  # symbolic ones among them
    for size in sizes:
        for payload in _payloads(sentinel):
            result = _attempt(lambda s=size, p=payload: operation(s, p))
            repeated = isinstance(result, str) and set(result.split(payload)) == {""}  # 'p' * 64
            assert result in (None, False) or repeated, (size, payload, result)
    assert not sentinel.exists()


def test_allow_list_names_exist_on_their_types() -> None:
    """No stale entry: every allowed name of the engine's own types is a real attribute."""
    for kind in (IRNode, Layout, TorchDtype, Device, KernelArgs):
        sample = {IRNode: None, KernelArgs: KernelArgs()}.get(kind)
        for name in sandbox_policy.ALLOWED[kind]:
            owner = sample if sample is not None else kind
            assert hasattr(owner, name) or name in getattr(kind, "__dataclass_fields__", {}), (kind, name)
    for profile in PROFILES.values():
        kernel = profile.new_kernel("k", [])
        assert isinstance(kernel, TemplateKernel)
        for name in sandbox_policy.kernel_attributes(kernel) - {"signature"}:
            assert hasattr(kernel, name), (profile.name, name)

"""Red-team reproductions against the render containment (allow-listed template values,
RL115 refusals, the render child process with its OS limits): each is a regression test
through the core (``analyze``), the CLI (``python -m rocm_lsp check|render``) and, for the
freeze and memory cases, the real server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from lsp_session import diagnostics_of, server_problems
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from rocm_lsp.core.diagnostics import RULES
from rocm_lsp.core.engine import render_process
from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.engine.render import render
from rocm_lsp.core.features.hover import hover_at
from rocm_lsp.core.model.symbolic import SizeOverflowError

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
GEMM = (TEMPLATES / "gemm_bias_fp16.hip.jinja").read_text()
HEADER = '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = ["s0", 8] }\n[shapes]\ns0 = 64\n-#}\n'
USE_X = '{{ kernel.def_kernel(inputs=[X], outputs=[], names_str="X") }}\n'
BODY_LINE = (HEADER + USE_X).count("\n") + 1  # the line a test's body starts on
CORE_BOUND_S = 15.0  # the render stops at 2 s (+ kill margin); generous for a slow CI machine
HOVER_BOUND_S = 5.0
MEMORY_BOUND_MIB = 200.0
ENV = {**os.environ, "PYTHONPATH": str(REPO / "server")}


def _codes(text: str) -> list[str]:
    return [d.code for d in analyze(text).diagnostics]


def _cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "rocm_lsp", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=ENV, cwd=cwd)


def _resident_mib(pid: int | str = "self") -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:"))


# 1. Code execution through sympy methods that sympify a string argument -----------------

SYMPY_METHODS = "subs coeff diff match equals series collect expand xreplace evalf".split()


def _exec_attempt(method: str, sentinel: Path) -> str:
    payload = f"__import__('os').system('touch {sentinel}')"
    return HEADER + USE_X + f'{{%- set _ = X.get_size()[0].{method}(8, "{payload}") %}}\n'


@pytest.mark.parametrize("method", SYMPY_METHODS)
def test_sympy_method_refused_in_core(method: str, tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    found = analyze(_exec_attempt(method, sentinel)).diagnostics
    assert [d.code for d in found] == ["RL115"], found
    assert f"no '{method}'" in found[0].message
    assert not sentinel.exists()


def test_sympy_methods_refused_by_cli_check(tmp_path: Path) -> None:
    sentinels = {m: tmp_path / f"SENTINEL_{m}" for m in SYMPY_METHODS}
    tree = tmp_path / "tree"
    tree.mkdir()
    for method, sentinel in sentinels.items():
        (tree / f"{method}.hip.jinja").write_text(_exec_attempt(method, sentinel))
    done = _cli("check", tree)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "All checks passed" not in out
    for method in SYMPY_METHODS:
        assert (
            f"{method}.hip.jinja:{BODY_LINE}:" in out and f"RL115 size values offer no '{method}'" in out
        ), method
    assert [m for m, s in sentinels.items() if s.exists()] == []
    for method in ("subs", "evalf"):  # one file at a time too, and through render
        single = _cli("render", tree / f"{method}.hip.jinja")
        assert single.returncode == 1 and "RL115" in single.stdout + single.stderr
    assert [m for m, s in sentinels.items() if s.exists()] == []


# 2. Long single C steps that hold the GIL -----------------------------------------------

GIL_HOLDERS = {
    "sum_of_lists": "{%- set l = [1]*1000000 %}{{ ([l]*60) | sum(start=[]) | length }}",
    "huge_power": "{{ (X.get_size()[0] ** 100000000 + 1) ** 3 * (X.get_size()[0] + 1) ** 1000 }}",
}


def test_sum_of_lists_is_stopped_in_core() -> None:
    start = time.monotonic()
    found = analyze(HEADER + USE_X + GIL_HOLDERS["sum_of_lists"]).diagnostics
    took = time.monotonic() - start
    assert [d.code for d in found] == ["RL113"], found
    assert "longer than 2 s" in found[0].message
    assert took < CORE_BOUND_S


def test_huge_power_stays_symbolic_in_core() -> None:
    """sympy keeps the power unexpanded: no big integer is built, the render succeeds at once.
    Its integer twin (``int`` first) is refused by the power pre-check."""
    start = time.monotonic()
    analysis = analyze(HEADER + USE_X + "P=" + GIL_HOLDERS["huge_power"])
    assert time.monotonic() - start < CORE_BOUND_S
    assert analysis.diagnostics == []
    assert analysis.rendered is not None and analysis.rendered.text is not None
    assert analysis.rendered.text.endswith("P=(s0 + 1)**1000*(s0**100000000 + 1)**3")
    concrete = HEADER + USE_X + "{{ (X.get_size()[1] | int) ** 100000000 }}"
    start = time.monotonic()
    assert _codes(concrete) == ["RL113"]
    assert time.monotonic() - start < CORE_BOUND_S


def test_gil_holders_through_cli(tmp_path: Path) -> None:
    path = tmp_path / "sum.hip.jinja"
    path.write_text(HEADER + USE_X + GIL_HOLDERS["sum_of_lists"])
    start = time.monotonic()
    done = _cli("check", path)
    assert time.monotonic() - start < CORE_BOUND_S + 5
    assert done.returncode == 1 and "RL113" in done.stdout + done.stderr


def _open(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    item = lsp.TextDocumentItem(uri=uri, language_id="jinja", version=version, text=text)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))


def _hook_position(text: str) -> lsp.Position:
    offset = text.index("kernel.def_kernel(") + 8
    return lsp.Position(text.count("\n", 0, offset), offset - text.rfind("\n", 0, offset) - 1)


async def test_hover_elsewhere_answered_while_a_gil_holder_renders(editor: LanguageClient) -> None:
    client = editor
    normal = "file:///containment/gemm.hip.jinja"
    _open(client, normal, GEMM)
    await diagnostics_of(client, normal, 1)
    hostile = "file:///containment/sum.hip.jinja"
    _open(client, hostile, HEADER + USE_X + GIL_HOLDERS["sum_of_lists"])
    await asyncio.sleep(0.2)  # the hostile render has started
    doc = lsp.TextDocumentIdentifier(normal)
    start = time.monotonic()
    hover = await asyncio.wait_for(
        client.text_document_hover_async(lsp.HoverParams(doc, _hook_position(GEMM))), 60
    )
    waited = time.monotonic() - start
    still_running = client.published.latest(hostile) is None  # type: ignore[attr-defined]
    assert hover is not None and "PT_EXPORT" in hover.contents.value
    assert waited < HOVER_BOUND_S
    assert still_running, "the hostile document was already analysed: the test proved nothing"
    found = await diagnostics_of(client, hostile, 1)
    assert [str(d.code) for d in found] == ["RL113"]
    assert server_problems(client) == []


# 3. One-step memory bombs (each about 130 bytes of template) ----------------------------

S = '{% set s = "x"*1000000 %}'
MEMORY_BOMBS = {
    "replace_keywords": (S + '{{ s.replace(old="x", new=s) | length }}', "RL112"),
    "replace_count": (S + '{{ s.replace("x", s, count=-1) | length }}', "RL113"),
    "replace_filter": (S + '{{ s | replace("x", s) | length }}', "RL113"),
    "format": (S + '{{ ("{0}"*2000).format(s) | length }}', "RL113"),
    "format_keywords": (S + '{{ ("{a}"*2000).format(a=s) | length }}', "RL113"),
    "percent": (S + '{{ ("%(a)s"*2000 % {"a": s}) | length }}', "RL113"),
    "join_attribute": (S + '{{ ([{"a": s}]*1000000) | join(attribute="a") | length }}', "RL113"),
    "print_list": (S + "{{ [s]*1000000 }}", "RL113"),
    "translate": (S + "{{ s.translate({120: s}) | length }}", "RL113"),
}


def test_memory_bombs_in_core_do_not_grow_this_process() -> None:
    analyze(HEADER + USE_X + "{{ 1 }}")  # warm-up: the render helper is started
    before = _resident_mib()
    for name, (body, code) in MEMORY_BOMBS.items():
        assert len(body) < 140, name
        start = time.monotonic()
        found = analyze(HEADER + USE_X + body).diagnostics
        assert [d.code for d in found] == [code], (name, found)
        assert time.monotonic() - start < CORE_BOUND_S, name
    growth = _resident_mib() - before
    print(f"test process resident memory growth over {len(MEMORY_BOMBS)} memory bombs: {growth:.1f} MiB")
    assert growth < MEMORY_BOUND_MIB


def test_memory_bombs_through_cli(tmp_path: Path) -> None:
    for name, (body, _) in MEMORY_BOMBS.items():
        (tmp_path / f"{name}.hip.jinja").write_text(HEADER + USE_X + body)
    done = _cli("check", tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out
    for name, (_, code) in MEMORY_BOMBS.items():
        assert f"{name}.hip.jinja:{BODY_LINE}:" in out and f" {code} " in out, name
    assert f"{len(MEMORY_BOMBS)} errors in {len(MEMORY_BOMBS)} files" in out


async def test_memory_bombs_do_not_grow_the_server(editor: LanguageClient) -> None:
    client = editor
    pid = client._server.pid  # type: ignore[union-attr]
    warm = "file:///containment/warm.hip.jinja"
    _open(client, warm, HEADER + USE_X + "{{ 1 }}")
    await diagnostics_of(client, warm, 1)
    before = _resident_mib(pid)
    for name, (body, code) in MEMORY_BOMBS.items():
        uri = f"file:///containment/bomb/{name}.hip.jinja"
        _open(client, uri, HEADER + USE_X + body)
        found = await diagnostics_of(client, uri, 1)
        assert [str(d.code) for d in found] == [code], (name, found)
    growth = _resident_mib(pid) - before
    print(f"server resident memory growth over {len(MEMORY_BOMBS)} memory bombs: {growth:.1f} MiB")
    assert growth < MEMORY_BOUND_MIB
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(warm), _hook_position(HEADER + USE_X))
    )
    assert hover is not None
    assert server_problems(client) == []


# 4. Cross-file poisoning: one template's mutations never reach another's render ---------

POISONS = {
    "dtype_table_subscript": (
        '{% set _ = kernel["profile"].dtype_table.update({"float16": "x"}) %}',
        "RL115",
    ),
    "dtype_table_attribute": ('{% set _ = kernel.profile.dtype_table.update({"float16": "x"}) %}', "RL115"),
    "calls_append": ('{% set _ = kernel["calls"].append(1) %}', "RL115"),
    "layout_setattr": ('{% set _ = X.get_layout().__setattr__("dtype", "x") %}', "RL115"),
    "layout_size_append": ("{% set _ = X.get_layout().size.append(3) %}", None),
    "size_append": ("{% set _ = X.get_size().append(3) %}", None),
    "named_nodes_update": ('{% set _ = kernel.named_nodes.update({"Y": 1}) %}', None),
}


def _rendered_text(text: str, contained: bool) -> str:
    analysis = analyze(text)
    assert analysis.template is not None
    result = render(analysis.template, analysis.header, analysis.profile, contained=contained)
    assert result.failure is None and result.text is not None
    return result.text


@pytest.fixture
def spares() -> Iterator[None]:
    """The render helper as a server starts it: children forked and warmed ahead of the jobs."""
    helper = render_process._HELPER
    before = (helper.warm, helper.spare)
    render_process.stop()
    render_process.start(warm=True, spare=True)
    yield
    render_process.stop()
    helper.warm, helper.spare = before


def _spare_pids() -> list[int]:
    helper = render_process._HELPER._pid
    return [int(p) for p in Path(f"/proc/{helper}/task/{helper}/children").read_text().split()]


def _wait_for_spares(count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while len(pids := _spare_pids()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return pids


@pytest.mark.parametrize("contained", [True, False], ids=["contained", "in-process"])
def test_mutations_do_not_poison_the_next_template(contained: bool) -> None:
    normal = [path.read_text() for path in sorted(TEMPLATES.glob("*.hip.jinja"))]
    before = [_rendered_text(text, contained) for text in normal]
    before_analysed = [analyze(text).rendered.text for text in normal]  # type: ignore[union-attr]
    assert GEMM in normal and all(before)
    for name, (body, code) in POISONS.items():
        text = HEADER + USE_X + body
        analysis = analyze(text)
        assert [d.code for d in analysis.diagnostics if d.code != "RL205"] == ([code] if code else []), name
        assert analysis.template is not None
        render(analysis.template, analysis.header, analysis.profile, contained=contained)
    assert [_rendered_text(text, contained) for text in normal] == before
    assert [analyze(text).rendered.text for text in normal] == before_analysed  # type: ignore[union-attr]


def test_spares_render_as_fresh_children_and_are_not_poisoned(spares: None) -> None:
    normal = [path.read_text() for path in sorted(TEMPLATES.glob("*.hip.jinja"))]
    expected = [_rendered_text(text, contained=False) for text in normal]
    assert len(_wait_for_spares(render_process.SPARES)) == render_process.SPARES
    assert [_rendered_text(text, contained=True) for text in normal] == expected
    for body, _ in POISONS.values():
        _wait_for_spares(render_process.SPARES)
        analysis = analyze(HEADER + USE_X + body)
        assert analysis.template is not None
        render(analysis.template, analysis.header, analysis.profile)
    _wait_for_spares(render_process.SPARES)
    assert [_rendered_text(text, contained=True) for text in normal] == expected


def test_a_dead_spare_leaves_the_render_to_a_fresh_child(spares: None) -> None:
    expected = _rendered_text(GEMM, contained=False)
    for pid in _wait_for_spares(render_process.SPARES):
        os.kill(pid, signal.SIGKILL)
    assert _rendered_text(GEMM, contained=True) == expected
    assert len(_wait_for_spares(render_process.SPARES)) == render_process.SPARES  # forked again
    assert _rendered_text(GEMM, contained=True) == expected


def test_spares_forked_before_sympy_make_way_for_a_job_that_reads_sizes() -> None:
    helper = render_process._HELPER
    before = (helper.warm, helper.spare)
    render_process.stop()
    render_process.start(warm=False, spare=True)  # spares forked without sympy
    try:
        plain = '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [8] }\n-#}\n' + USE_X
        assert _rendered_text(plain, contained=True) == _rendered_text(plain, contained=False)
        first = _wait_for_spares(render_process.SPARES)
        sized = HEADER + USE_X + "{{ kernel.size(X, 0) }}\n"
        assert _rendered_text(sized, contained=True) == _rendered_text(sized, contained=False)
        replaced = _wait_for_spares(render_process.SPARES)
        deadline = time.monotonic() + 30
        while set(first) & set(replaced) and time.monotonic() < deadline:  # the old ones exit
            time.sleep(0.05)
            replaced = _spare_pids()
        assert not set(first) & set(replaced) and len(replaced) == render_process.SPARES
    finally:
        render_process.stop()
        helper.warm, helper.spare = before


# 5. A refused file in a tree: the other files are still checked, exit status 1 ----------


def test_poisoning_file_in_a_tree_exits_1(tmp_path: Path) -> None:
    shipped = sorted(TEMPLATES.glob("*.hip.jinja"))
    for path in shipped:
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "aaa_poison.hip.jinja").write_text(HEADER + USE_X + POISONS["calls_append"][0])
    done = _cli("check", tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert f"aaa_poison.hip.jinja:{BODY_LINE}:1: RL115 kernel.calls is not available" in out
    assert f"Found 1 error in {len(shipped) + 1} files" in out
    alone = _cli("check", *shipped)
    assert alone.returncode == 0, alone.stdout + alone.stderr


# 6. Huge [shapes] values: hover and render --static give a finding or text, never raise --

HUGE_SHAPES = (
    '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = ["s0**32", 8] }\n[shapes]\ns0 = '
    + "9" * 200
    + "\n-#}\n"
    + USE_X
    + "{{ kernel.size(X, 0) }} {{ X.get_size()[0] }} {{ X.get_size()[0] * 2 }}\n"
)


def test_huge_shapes_hover_everywhere() -> None:
    analysis = analyze(HUGE_SHAPES)
    assert [d.code for d in analysis.diagnostics] == ["RL301"]
    answered = [hover_at(analysis, offset) for offset in range(len(HUGE_SHAPES) + 1)]
    assert any(h is not None for h in answered)


def test_huge_shapes_render_static_cli(tmp_path: Path) -> None:
    path = tmp_path / "huge.hip.jinja"
    path.write_text(HUGE_SHAPES)
    for _ in range(2):  # a cold and a warm render helper
        done = _cli("render", "--static", path)
        out = done.stdout + done.stderr
        assert "Traceback" not in out
        assert done.returncode in (0, 1) and (done.stdout.strip() or " RL" in out), out
    analysis = analyze(HUGE_SHAPES, static=True)
    assert analysis.diagnostics or (analysis.rendered and analysis.rendered.text)


def test_huge_shapes_static_render_never_raises_in_process() -> None:
    analysis = analyze(HUGE_SHAPES)
    assert analysis.template is not None
    result = render(analysis.template, analysis.header, analysis.profile, static=True, contained=False)
    assert result.text is None and isinstance(result.failure.error, SizeOverflowError)


def test_huge_shapes_static_finding_says_what_is_wrong() -> None:
    """The contained static render of the 200-digit value gives RL302 naming the size: not a crash."""
    found = analyze(HUGE_SHAPES, static=True).diagnostics
    assert [(d.code, d.message) for d in found] == [
        (
            "RL302",
            "size expression overflows int64: with the [shapes] values, X's 's0**32' is a "
            "21261-bit integer, too big to convert to int64_t",
        )
    ]


# 7. Hypothesis: random compositions of GIL-heavy and allocating expressions ------------

KNOWN_CODES = set(RULES)
BIG = st.sampled_from(["10", "1000", "100000", "1000000", "10**7", "2**20", "99999999"])


@st.composite
def _expression(draw: st.DrawFn, depth: int = 0) -> str:
    n, m = draw(BIG), draw(BIG)
    leaves = [
        f'("ab" * {n})',
        f"([1] * {n})",
        f"range({n})",
        f'("{{0}}" * {n})',
        f"(X.get_size()[0] ** {n})",
    ]
    if depth >= 2:
        return draw(st.sampled_from(leaves))
    inner = draw(_expression(depth + 1))
    other = draw(_expression(depth + 1))
    return draw(
        st.sampled_from(
            [
                *leaves,
                f"({inner} * {m})",
                f"([{inner}] * {m})",
                f"([{inner}] * {m} | sum(start=[]))",
                f"({inner} | join)",
                f"([{inner}] * {m} | join({other} | string))",
                f"({inner} | string).format({other})",
                f'({inner} | string).replace("a", {other} | string)',
                f"({inner} | list)",
                f"({inner} | length)",
                f"({inner} ~ {other})",
            ]
        )
    )


@st.composite
def _template(draw: st.DrawFn) -> str:
    expr = draw(_expression())
    kind = draw(st.sampled_from(["print", "loop", "nested", "set"]))
    n = draw(BIG)
    if kind == "print":
        body = f"{{{{ {expr} }}}}"
    elif kind == "loop":
        body = f"{{% for i in range({n}) %}}{{{{ {expr} | length }}}}{{% endfor %}}"
    elif kind == "nested":
        inner_loop = f"{{% for j in range({n}) %}}{{% set t = {expr} %}}{{% endfor %}}"
        body = f"{{% for i in range({n}) %}}{inner_loop}{{% endfor %}}"
    else:
        body = f"{{% set v = {expr} %}}{{{{ v | length }}}}"
    return HEADER + USE_X + body


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_template())
def test_random_heavy_compositions_are_bounded(text: str) -> None:
    note(text)
    start = time.monotonic()
    analysis = analyze(text)
    took = time.monotonic() - start
    assert took < 20.0, took
    assert {d.code for d in analysis.diagnostics} <= KNOWN_CODES
    assert "RL199" not in {d.code for d in analysis.diagnostics}, analysis.diagnostics

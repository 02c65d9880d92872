"""Regression tests for the bugs the fuzzers and the pathological cases found
(``docs/reliability.md`` lists them)."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.workspace import PositionCodec

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.model.sizes import SizeSyntaxError, parse_size
from rocm_lsp.core.pymodules.analyzer import analyze_python
from rocm_lsp.core.text import LineIndex, Span
from rocm_lsp.lsp.documents import SpecTextDocument
from rocm_lsp.lsp.protocol import RocmProtocol

HEADER = '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [8] }\n-#}\n'


def _found(text: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in analyze(text).diagnostics]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ X | no_such_filter }}", "Jinja syntax error: No filter named 'no_such_filter'."),
        ("{{ X | a.b(1) }}", "Jinja syntax error: No filter named 'a.b'."),
        ("{{ X is no_such_test }}", "Jinja syntax error: No test named 'no_such_test'."),
    ],
)
def test_an_unknown_filter_or_test_is_a_finding_not_a_crash(body: str, message: str) -> None:
    # analyze() raised TemplateAssertionError: the fallback name scan compiled the template again
    assert _found(HEADER + body) == [("RL110", message)]  # and X still counts as used (no RL214)


def test_a_python_module_with_an_unknown_filter_keeps_its_other_findings() -> None:
    # The analyser raised on the unknown filter and analyze_python() returned no findings at all.
    source = (
        "from torch._inductor.codegen.rocm.ck_template import CKTemplate\n\n\n"
        "class T(CKTemplate):\n"
        '    tmpl = "{{ a | no_such_filter }} {{ b }}"\n\n'
        "    def render(self, kernel, **kwargs):\n"
        "        return self._template_from_string(self.tmpl).render(a=1)\n"
    )
    assert [d.code for d in analyze_python(source).diagnostics] == ["RL110", "RL501"]


@pytest.mark.parametrize(
    "body",
    ["{{ " + "(" * 300 + "1" + ")" * 300 + " }}", "{{ " + "[" * 300 + "]" * 300 + " }}", "{% if X %}" * 400],
)
def test_deep_nesting_is_a_finding_not_a_recursion_error(body: str) -> None:
    assert _found(HEADER + body) == [("RL110", "Jinja cannot compile this template: it nests too deeply")]


def test_lines_end_at_lf_crlf_and_lone_cr_as_editors_count_them() -> None:
    index = LineIndex("a\r\nb\rc\x0cd\u2028e\n")
    assert index.line_count == 4
    assert [index.line_text(i) for i in range(4)] == ["a", "b", "c\x0cd\u2028e", ""]
    assert index.position(2) == (0, 1)  # inside "\r\n": the end of line 0, never past it
    assert index.position(3) == (1, 0)
    assert index.line_span(0) == Span(0, 1)


def test_incremental_edits_after_a_form_feed_or_line_separator_land_where_the_editor_says() -> None:
    # pygls split lines with str.splitlines (also at \x0c, \u2028, \x85…): edits drifted.
    doc = SpecTextDocument("file:///t.hip.jinja", "a\u2028b\x0cc\nd\n", position_codec=PositionCodec())
    where = lsp.Range(lsp.Position(1, 0), lsp.Position(1, 1))
    doc.apply_change(lsp.TextDocumentContentChangePartial(range=where, text="X"))
    assert doc.source == "a\u2028b\x0cc\nX\n"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("((s0**32)**32)**32", "degree 32768 is larger than 64"),
        ("*".join(f"(s{i} + s{i + 1})" for i in range(13)), "expands to more than 4096 terms"),
    ],
)
def test_size_expressions_that_would_print_or_expand_endlessly_are_refused(text: str, says: str) -> None:
    # Each exponent was capped at 32, but nested powers multiplied them; products of sums
    # expanded for the whole render budget.
    with pytest.raises(SizeSyntaxError, match=says) as info:
        parse_size(text)
    assert info.value.too_large


@pytest.mark.parametrize(
    "body",
    [
        '{{ "%10000000000d" % 1 }}',
        '{{ "{:>10000000000}".format(1) }}',
        '{{ "{:>{w}}".format(1, w=10**10) }}',
        '{{ "x".ljust(10**10) }}',
        '{{ "x" | center(10**10) }}',
        '{{ "a\nb" | indent(10**10) }}',
        '{% set s = "a" * 10000 %}{{ s.replace("a", s) }}',
        "{{ range(3) | batch(10**10, 0) | list }}",
        "{{ lipsum(10**9) }}",
        '{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}',
        "{% set l = [1] %}{% for i in range(64) %}{% set _ = l.extend(l) %}{% endfor %}",
    ],
)
def test_one_step_memory_bombs_are_refused_before_they_allocate(body: str) -> None:
    # Each allocated gigabytes in one step that the render watchdog cannot interrupt.
    ((code, message),) = _found(HEADER + body + "{{ X }}")
    assert code == "RL113" and ("too large" in message or "lipsum" in message), message


async def test_finished_notification_handlers_are_not_kept_by_the_protocol() -> None:
    # pygls 2.1 kept every notification handler's future in _request_futures: a leak per keystroke.
    server = LanguageServer("t", "1", protocol_cls=RocmProtocol)
    handled = []

    @server.feature("rocmLsp/test")
    async def notified(ls: LanguageServer, params: object) -> None:
        handled.append(params)

    for i in range(50):
        server.protocol._handle_notification("rocmLsp/test", i)
        for _ in range(3):
            await asyncio.sleep(0)
    assert len(handled) == 50 and len(server.protocol._request_futures) <= 1  # the last one

"""Rendered lines map back to template lines, and ``#line`` directives carry that to a compiler."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rocm_lsp.core.engine.analysis import Analysis, analyze
from rocm_lsp.core.engine.line_map import LineMap, compiler_source, line_map, with_line_directives

TEMPLATES = sorted((Path(__file__).resolve().parent.parent / "templates").glob("*.hip.jinja"))
FILENAME = "template.hip.jinja"
DIRECTIVE = re.compile(r'#line (\d+) "template\.hip\.jinja"\n')

SEED = """{#- rocm-lsp
profile = "seed"
[nodes]
X = { dtype = "float16", size = [8, 64] }
Y = { dtype = "float16", size = [8, 64] }
[vars]
rows = ["int r0 = 0;", "int r1 = 1;", "int r2 = 2;"]
-#}
"""
ROCM_213 = """{#- rocm-lsp
profile = "rocm-2.13"
[nodes]
X = { dtype = "float16", size = [8, 64] }
Y = { dtype = "float16", size = [8, 64] }
[vars]
rows = ["int r0 = 0;", "int r1 = 1;", "int r2 = 2;"]
-#}
"""
HEADERS = {"seed": SEED, "rocm-2.13": ROCM_213}
DEF_KERNEL = {
    "seed": '{{kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")}}',
    "rocm-2.13": 'PT_EXPORT {{kernel.def_kernel(inputs=[X], outputs=[Y], size_args=[], names_str="X, Y")}}',
}
HEADER_LINES = 8  # the body of a test template starts on line 9


def mapped(header: str, body: str, nested: bool = True) -> tuple[Analysis, LineMap]:
    analysis = analyze(header + body)
    assert analysis.rendered is not None and analysis.rendered.text is not None, analysis.diagnostics
    result = line_map(analysis, nested)
    assert result is not None
    assert len(result.lines) == len(result.verbatim) == len(_lines(analysis.rendered.text))
    _check_verbatim(analysis, result)
    _check_segments(analysis, result)
    return analysis, result


def body_lines(result: LineMap) -> list[int]:
    """The map in lines of the test body (line 1 = the first line after the header)."""
    return [n - HEADER_LINES for n in result.lines]


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def _check_verbatim(analysis: Analysis, result: LineMap) -> None:
    assert analysis.rendered is not None and analysis.rendered.text is not None
    source = analysis.text.split("\n")
    for out, number, verbatim in zip(_lines(analysis.rendered.text), result.lines, result.verbatim):
        assert 1 <= number <= len(source)
        if verbatim:
            assert out == source[number - 1]


def _check_segments(analysis: Analysis, result: LineMap) -> None:
    """Each rendered line is cut into segments end to end; a literal one is a copy of its template
    text, an expansion's template text is a whole ``{{ … }}``."""
    assert analysis.rendered is not None and analysis.rendered.text is not None
    rendered = re.split(r"\r\n|\r|\n", analysis.rendered.text)
    assert len(result.segments) == len(result.lines)
    for out, segments in zip(rendered, result.segments):
        ends = [0, *[s.end for s in segments]]
        assert [s.start for s in segments] == ends[:-1] and ends[-1] == len(out)
        for s in segments:
            if s.template is None:
                continue
            text = analysis.text[s.template.start : s.template.end]
            if s.literal:
                assert text == out[s.start : s.end]
            else:
                assert text.startswith("{{") and text.endswith("}}"), text


def strip_directives(text: str) -> str:
    return DIRECTIVE.sub("", text)


# -- the map ------------------------------------------------------------------------------------


def test_hook_expanding_to_several_lines_maps_to_the_tag_line() -> None:
    body = (
        "#include <hip/hip_runtime.h>\n"  # 1
        + DEF_KERNEL["seed"]
        + " {\n"  # 2
        + "{{kernel.check_not_null(X)}}\n"  # 3
        + "  int after = 0;\n"  # 4
        + "}\n"  # 5
    )
    analysis, result = mapped(SEED, body)
    assert analysis.rendered is not None and analysis.rendered.text is not None
    expansion = analysis.rendered.text.split("\n")[2:10]
    assert expansion[1].strip() == "if (!X) {"
    # the hook's value starts and ends with a line break: 8 lines, then "  int after" (line 4)
    assert body_lines(result) == [1, 2, *[3] * 8, 4, 5]
    assert result.verbatim[-2] and not result.verbatim[3]


@pytest.mark.parametrize("profile", ["seed", "rocm-2.13"])
def test_loop_unrolled_three_times(profile: str) -> None:
    body = (
        DEF_KERNEL[profile] + " {\n"  # 1
        "{%- for i in range(3) %}\n"  # 2
        "  int a{{ i }} = {{ kernel.arg_name(X) }}[{{ i }}];\n"  # 3
        "  ++count;\n"  # 4
        "  --count;\n"  # 5
        "{%- endfor %}\n"  # 6
        "}\n"  # 7
    )
    analysis, result = mapped(HEADERS[profile], body)
    assert analysis.rendered is not None
    assert analysis.rendered.text is not None
    assert analysis.rendered.text.split("\n")[1:] == [
        *[line for i in range(3) for line in (f"  int a{i} = X[{i}];", "  ++count;", "  --count;")],
        "}",
    ]
    assert body_lines(result) == [1, 3, 4, 5, 3, 4, 5, 3, 4, 5, 7]
    # "--count;" ends where {%- endfor %} cuts the data: not known to be the whole line
    assert result.verbatim == [False, *[False, True, False] * 3, False]


@pytest.mark.parametrize("profile", ["seed", "rocm-2.13"])
def test_expression_joining_lines(profile: str) -> None:
    body = (
        DEF_KERNEL[profile] + " {\n"  # 1
        '  {{ rows|join("\\n  ") }}\n'  # 2
        "  int last = 3;\n"  # 3
        "}"  # 4
    )
    _, result = mapped(HEADERS[profile], body)
    assert body_lines(result) == [1, 2, 2, 2, 3, 4]


def test_whitespace_control() -> None:
    body = (
        "int a;\n"  # 1
        "{%- if true -%}\n"  # 2
        "\n"  # 3
        "   int b; {{- ' int c;' -}}   \n"  # 4
        "   int d;\n"  # 5
        "{%- endif %}\n"  # 6
        "int e;\n"  # 7
        "{%- set unused = 1 %}\n"  # 8
        "{%- set unused2 = 2 -%}\n"  # 9
        "\n"  # 10
        "int f;\n"  # 11
    )
    analysis, result = mapped(SEED, body)
    assert analysis.rendered is not None
    assert analysis.rendered.text == "int a;int b; int c;int d;\nint e;int f;"
    assert body_lines(result) == [1, 7]


def test_blank_lines_and_line_starts() -> None:
    body = (
        "int a;\n"  # 1
        "\n"  # 2
        "{% if true %}\n"  # 3: its line break is output
        "   {{ 'int b;' }}\n"  # 4: the line maps to its first non-blank character
        "{% endif %}"  # 5
    )
    analysis, result = mapped(SEED, body)
    assert analysis.rendered is not None
    assert analysis.rendered.text == "int a;\n\n\n   int b;\n"
    assert body_lines(result) == [1, 2, 3, 4]
    assert result.verbatim == [False, True, False, False]  # line 1 starts its data: not known


def test_false_branch_with_many_lines_is_skipped() -> None:
    skipped = "".join(f"int skipped{i};\n" for i in range(20))
    body = (
        "int a;\n"  # 1
        "{% if false %}\n"  # 2
        + skipped  # 3..22
        + "{% else %}\n"  # 23
        "int b;\n"  # 24
        "{% endif %}\n"  # 25
        "int c;\n"  # 26
    )
    analysis, result = mapped(SEED, body)
    assert analysis.rendered is not None
    assert analysis.rendered.text == "int a;\n\nint b;\n\nint c;"
    assert body_lines(result) == [1, 23, 24, 25, 26]
    assert result.verbatim == [False, False, True, False, False]


def test_macro_defined_at_the_top_and_called_later() -> None:
    body = (
        "{%- macro guard(name) %}\n"  # 1
        "  if (!{{ name }}) {\n"  # 2
        "    return 1;\n"  # 3
        "  }\n"  # 4
        "{%- endmacro %}\n"  # 5
        "int f() {\n"  # 6
        "{{- guard('X') }}\n"  # 7
        "  int between = 0;\n"  # 8
        "{{- guard('Y') }}\n"  # 9
        "  return 0;\n"  # 10
        "}\n"  # 11
    )
    analysis, result = mapped(SEED, body)
    assert analysis.rendered is not None
    assert analysis.rendered.text.split("\n") == [
        "",
        "int f() {",
        "  if (!X) {",
        "    return 1;",
        "  }",
        "  int between = 0;",
        "  if (!Y) {",
        "    return 1;",
        "  }",
        "  return 0;",
        "}",
    ]
    assert result.nested
    # the macro's text maps to the macro's lines
    assert body_lines(result) == [5, 6, 2, 3, 4, 8, 2, 3, 4, 10, 11]
    # verbatim: whole lines of template data known to start and end a template line
    assert result.verbatim == [False, False, False, True, False, False, False, True, False, True, False]
    _, calls = mapped(SEED, body, nested=False)
    assert not calls.nested
    assert body_lines(calls) == [5, 6, 7, 7, 7, 8, 9, 9, 9, 10, 11]


def test_call_set_and_filter_blocks() -> None:
    body = (
        "{%- macro wrap() %}\n"  # 1
        "namespace n {\n"  # 2
        "{{- caller() }}\n"  # 3
        "}\n"  # 4
        "{%- endmacro %}\n"  # 5
        "{%- set decl %}\n"  # 6
        "int from_set;\n"  # 7
        "{%- endset %}\n"  # 8
        "{% call wrap() %}\n"  # 9
        "int from_call;\n"  # 10
        "{%- endcall %}\n"  # 11
        "{{ decl }}\n"  # 12
        "{% filter upper %}\n"  # 13
        "int from_filter;\n"  # 14
        "{%- endfilter %}\n"  # 15
        "int last;"  # 16
    )
    analysis, result = mapped(SEED, body)
    assert analysis.rendered is not None
    assert analysis.rendered.text.split("\n") == [
        "",
        "",
        "namespace n {",
        "int from_call;",
        "}",
        "",
        "int from_set;",
        "",
        "INT FROM_FILTER;",
        "int last;",
    ]
    # the macro's text maps to the macro, the caller's to the call block's body, the set
    # block's to the set block; a filter changed its text: it maps to the filter tag's line
    assert body_lines(result) == [8, 1, 2, 10, 4, 6, 7, 13, 13, 16]
    _, flat = mapped(SEED, body, nested=False)
    assert body_lines(flat) == [8, 9, 9, 9, 9, 12, 12, 13, 13, 16]


def test_text_a_template_measures_falls_back_to_the_call_site() -> None:
    body = (
        "{%- macro m() %}\n"  # 1
        "  int in_macro;\n"  # 2
        "{%- endmacro %}\n"  # 3
        "// {{ m()|length }} {{ m()|trim }}\n"  # 4
        "{{ m() }}\n"  # 5
        "int last;"  # 6
    )
    analysis, result = mapped(SEED, body)
    assert analysis.rendered is not None
    assert analysis.rendered.text == "\n// 16 int in_macro;\n\n  int in_macro;\nint last;"
    assert not result.nested  # markers in the macro's text would change |length and |trim
    assert body_lines(result) == [3, 4, 5, 5, 6]  # line 3: the macro's value starts with a break


def test_header_comment_raw_block_and_no_final_newline() -> None:
    header = "{#- rocm-lsp\n[nodes]\n-#}\n{# a comment\n   on two lines #}\n"
    body = (
        "int a;\n"  # 1 (line 6 of the file)
        "{% raw %}int {{ not_jinja }};\n"  # 2
        "int b;{% endraw %}\n"  # 3
        "int c;"  # 4
    )
    analysis = analyze(header + body)
    result = line_map(analysis)
    assert result is not None
    assert analysis.rendered is not None
    assert analysis.rendered.text == "\nint a;\nint {{ not_jinja }};\nint b;\nint c;"
    assert result.lines == [5, 6, 7, 8, 9]
    assert result.verbatim == [False, True, False, False, False]


def test_crlf_template() -> None:
    text = SEED.replace("\n", "\r\n") + "int a;\r\n{% if true %}\r\nint b;\r\n{% endif %}\r\nint c;\r\n"
    analysis = analyze(text)
    result = line_map(analysis)
    assert result is not None
    assert analysis.rendered is not None
    assert analysis.rendered.text == "int a;\n\nint b;\n\nint c;"
    assert [n - HEADER_LINES for n in result.lines] == [1, 2, 3, 4, 5]


def test_no_map_without_a_rendered_text() -> None:
    analysis = analyze(SEED + "int a;\n{{ not_declared }}\n")
    assert analysis.rendered is not None and analysis.rendered.text is None
    assert line_map(analysis) is None


def test_the_analysis_is_left_unchanged() -> None:
    analysis = analyze(SEED + "int a;\n{{ kernel.check_not_null(X) }}\nint b;\n")
    assert analysis.rendered is not None
    before = (analysis.rendered.text, len(analysis.rendered.calls), analysis.ast)
    dump = analysis.ast.dump() if analysis.ast is not None else None
    assert line_map(analysis) is not None
    assert (analysis.rendered.text, len(analysis.rendered.calls), analysis.ast) == before
    assert dump == (analysis.ast.dump() if analysis.ast is not None else None)


def test_concrete_render() -> None:
    header = SEED.replace("[8, 64]", '["s0", 64]').replace("-#}", "[shapes]\ns0 = 4\n-#}")
    body = (
        "{%- set M = kernel.size(X, 0) %}\n"  # 1
        + DEF_KERNEL["seed"]
        + " {\n"  # 2
        "{%- if X.get_size()[0] == 4 %}\n"  # 3
        "  int four;\n"  # 4
        "{%- else %}\n"  # 5
        "  int m = {{ M }};\n"  # 6
        "  int other;\n"  # 7
        "{%- endif %}\n"  # 8
        "}"  # 9
    )
    analysis = analyze(header + body)
    concrete = analysis.concrete()
    assert analysis.rendered is not None and concrete is not None and concrete is not analysis.rendered
    symbolic, static = line_map(analysis), line_map(analysis, concrete=True)
    assert symbolic is not None and static is not None
    assert [n - HEADER_LINES - 2 for n in symbolic.lines] == [1, 2, 6, 7, 9]
    assert [n - HEADER_LINES - 2 for n in static.lines] == [1, 2, 4, 9]
    assert concrete.text is not None and len(static.lines) == len(_lines(concrete.text))


def test_shipped_templates_cover_both_profiles() -> None:
    assert {analyze(path.read_text()).profile for path in TEMPLATES} == {"seed", "rocm-2.13"}


@pytest.mark.parametrize("static", [False, True])
@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_shipped_templates(path: Path, static: bool) -> None:
    text = path.read_text()
    analysis = analyze(text, static=static)  # each shipped template renders in its own profile
    assert analysis.rendered is not None and analysis.rendered.text is not None
    rendered = analysis.rendered.text
    result = line_map(analysis)
    assert result is not None
    assert len(result.lines) == len(_lines(rendered))
    _check_verbatim(analysis, result)
    _check_segments(analysis, result)
    assert sum(s.literal for line in result.segments for s in line) > len(result.lines) // 2
    # neither template emits text from a loop or macro body: the map only goes forward
    assert result.lines == sorted(result.lines)
    assert sum(result.verbatim) > len(result.lines) // 2
    with_directives = with_line_directives(rendered, result, FILENAME)
    assert strip_directives(with_directives) == rendered
    # the directives are few: one per jump, and one after each #else/#elif/#endif (the group
    # before it may have been skipped, and directives in a skipped group have no effect)
    jumps = sum(1 for a, b in zip(result.lines, result.lines[1:]) if b != a + 1)
    regroups = sum(1 for line in _lines(rendered) if re.match(r"\s*#\s*(else|elif|endif)\b", line))
    assert len(DIRECTIVE.findall(with_directives)) <= jumps + 1 + regroups


# -- #line directives ---------------------------------------------------------------------------


def test_directives_only_where_the_numbering_jumps() -> None:
    text = "a\nb\nc\nd\ne"
    assert with_line_directives(text, [3, 4, 9, 9, 10], "t.jinja") == (
        '#line 3 "t.jinja"\na\nb\n#line 9 "t.jinja"\nc\n#line 9 "t.jinja"\nd\ne'
    )
    assert with_line_directives("", [], "t.jinja") == ""
    assert with_line_directives("a\n", [1], "t.jinja") == '#line 1 "t.jinja"\na\n'
    assert with_line_directives("a\r\nb\rc", [5, 5, 5], "t") == (
        '#line 5 "t"\na\r\n#line 5 "t"\nb\r#line 5 "t"\nc'
    )


def test_directives_never_break_a_construct() -> None:
    text = (
        "#define F(x) \\\n"  # 0
        "  (x) \\\n"  # 1: continuation, no directive before it
        "  + 1\n"  # 2: continuation
        "/* a comment\n"  # 3
        "   still */ int a;\n"  # 4: inside the comment
        'const char* s = R"xy(\n'  # 5
        ')"\n'  # 6: inside the raw string
        ')xy"; int b;\n'  # 7: inside the raw string
        "int c;"  # 8: the first place to renumber
    )
    lines = [10, 20, 30, 40, 50, 60, 70, 80, 90]
    parts = text.split("\n")
    assert with_line_directives(text, lines, "t").split("\n") == [
        '#line 10 "t"',
        *parts[0:3],
        '#line 40 "t"',
        *parts[3:5],
        '#line 60 "t"',
        *parts[5:8],
        '#line 90 "t"',
        parts[8],
    ]
    # a header name is no comment; a comment after it is
    text = '#include <a/*b>\nint a;\n#include "c" /* d\n*/ int e;\nint f;'
    assert with_line_directives(text, [1, 5, 6, 7, 9], "t").split("\n") == [
        '#line 1 "t"',
        "#include <a/*b>",
        '#line 5 "t"',
        "int a;",
        '#include "c" /* d',
        "*/ int e;",
        '#line 9 "t"',
        "int f;",
    ]
    # strings, characters and digit separators do not open comments
    text = "char q = '\"'; int n = 1'000; // /*\nint d;\n"
    assert with_line_directives(text, [1, 5], "t") == '#line 1 "t"\n' + text.replace(
        "int d;", '#line 5 "t"\nint d;'
    )


def test_directives_resync_after_a_conditional() -> None:
    text = "#if 0\nx\ny\n#endif\nz\n#line 100\nw\n"
    # y needs a directive inside the group, which the preprocessor skips: z is renumbered
    # after #endif though it continues; after the text's own #line, w is renumbered too
    assert with_line_directives(text, [1, 2, 2, 3, 4, 5, 6], "t") == (
        '#line 1 "t"\n#if 0\nx\n#line 2 "t"\ny\n#endif\n#line 4 "t"\nz\n#line 100\n#line 6 "t"\nw\n'
    )
    # without a directive inside the conditional there is nothing to restore
    text = "#if 0\nx\n#else\ny\n#endif\nz"
    assert with_line_directives(text, [1, 2, 3, 4, 5, 6], "t") == '#line 1 "t"\n' + text


def test_directive_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        with_line_directives("a\nb", [1], "t")
    with pytest.raises(ValueError):
        with_line_directives("a", [0], "t")
    with pytest.raises(ValueError):
        with_line_directives("a", [1], "two\nlines")
    assert with_line_directives("a", [1], 'C:\\x "y".jinja') == '#line 1 "C:\\\\x \\"y\\".jinja"\na'


# -- through a compiler -------------------------------------------------------------------------

PRELUDE = (
    "#include <cstddef>\n"  # 1
    "#include <cstdint>\n"  # 2
    "#include <stdexcept>\n"  # 3
    "#define PT_EXPORT\n"  # 4
    "typedef unsigned short half;\n"  # 5
    "typedef struct stream* hipStream_t;\n"  # 6
)
PLANTED_LINES = [
    *PRELUDE.splitlines(),  # 1..6
    "{%- macro guard(name) %}",  # 7
    "  if (!{{ name }}) return 1;",  # 8
    "  int in_macro_{{ name }} = undeclared_macro_{{ name }};",  # 9
    "{%- endmacro %}",  # 10
    "int first = undeclared_first;",  # 11
    '{{kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X, Y")}} {',  # 12
    "{{kernel.check_not_null(X)}}",  # 13
    "  int after_hook = undeclared_after_hook;",  # 14
    "{%- for i in range(3) %}",  # 15
    "  int loop{{ i }} = 0;",  # 16
    "  int loop_error{{ i }} = undeclared_loop{{ i }};",  # 17
    "{%- endfor %}",  # 18
    "{{- guard('X') }}",  # 19
    "#if 0",  # 20: the directives inside the skipped group have no effect...
    "{{kernel.check_not_null(Y)}}",  # 21
    "#endif",  # 22
    "  int after_endif = undeclared_after_endif;",  # 23: ...so the numbering is restored here
    "{% if false %}",  # 24
    *[f"  int skipped{i} = undeclared_skipped;" for i in range(10)],  # 25..34
    "{% endif %}",  # 35
    "  int after_if = undeclared_after_if;",  # 36
    "  return 0;",  # 37
    "}",  # 38
    "int last = undeclared_last;",  # 39
]
PLANTED = "\n".join(PLANTED_LINES) + "\n"
EXPECTED_ERRORS = {
    "undeclared_first": 11,
    "undeclared_after_hook": 14,
    "undeclared_loop0": 17,
    "undeclared_loop1": 17,
    "undeclared_loop2": 17,
    "undeclared_macro_X": 9,
    "undeclared_after_endif": 23,
    "undeclared_after_if": 36,
    "undeclared_last": 39,
}
GCC = shutil.which("g++") or shutil.which("gcc")


def compile_errors(source: str) -> list[tuple[str, int, str]]:
    assert GCC is not None
    proc = subprocess.run(
        [GCC, "-fsyntax-only", "-x", "c++", "-"],
        input=source,
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        timeout=60,
        check=False,
    )
    return [
        (m.group(1), int(m.group(2)), m.group(3))
        for m in re.finditer(r"^(.*?):(\d+):\d+: error: (.*)$", proc.stderr, re.M)
    ]


@pytest.mark.skipif(GCC is None, reason="no gcc")
def test_gcc_reports_template_lines() -> None:
    analysis = analyze(SEED + PLANTED)
    assert analysis.rendered is not None and analysis.rendered.text is not None
    rendered = analysis.rendered.text
    result = line_map(analysis)
    assert result is not None
    source = with_line_directives(rendered, result, FILENAME)
    assert strip_directives(source) == rendered
    errors = compile_errors(source)
    assert len(PLANTED_LINES) == 39
    for name, line in EXPECTED_ERRORS.items():
        assert name.rstrip("0123456789") in PLANTED_LINES[line - 1].replace("{{ name }}", "X")
    found = {}
    for file, line, message in errors:
        assert file == FILENAME, errors
        m = re.search(r"'(undeclared_\w+)' was not declared", message)
        assert m, errors  # the directives broke nothing else
        found[m.group(1)] = line - HEADER_LINES
    assert found == EXPECTED_ERRORS
    # without the directives gcc reports lines of the rendered text instead
    plain = compile_errors(rendered)
    assert {line for _, line, _ in plain} != {line + HEADER_LINES for line in EXPECTED_ERRORS.values()}


def preprocessed(source: str) -> list[tuple[int, str]]:
    """``gcc -E``: the line number and text of every line it outputs from FILENAME."""
    assert GCC is not None
    proc = subprocess.run(
        [GCC, "-E", "-x", "c++", "-"],
        input=source,
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        timeout=60,
        check=True,
    )
    out = []
    file, line = None, 0
    for text in proc.stdout.split("\n"):
        m = re.match(r'# (\d+) "(.*?)"', text)
        if m:
            file, line = m.group(2), int(m.group(1))
            continue
        if file == FILENAME and text.strip():
            out.append((line, " ".join(text.split())))
        line += 1
    return out


COVERAGE_BODY = "\n".join(
    [
        "{%- macro guard(name) %}",  # 1
        "  if (!{{ name }}) return 1;",  # 2
        "  int in_macro_{{ name }};",  # 3
        "{%- endmacro %}",  # 4
        DEF_KERNEL["seed"] + " {",  # 5
        "{{kernel.check_not_null(X)}}",  # 6
        "{%- for i in range(3) %}",  # 7
        "  int loop{{ i }} = 0;",  # 8
        "{%- endfor %}",  # 9
        "{{- guard('X') }}",  # 10
        "#if 0",  # 11
        "{{kernel.check_not_null(Y)}}",  # 12
        "#else",  # 13
        "  int in_else;",  # 14
        "#endif",  # 15
        "#if 1",  # 16
        "{{kernel.check_not_null(Y)}}",  # 17
        "#elif 2",  # 18
        "  int in_elif;",  # 19
        "#endif",  # 20
        "  int after;",  # 21
        "  return 0;",  # 22
        "}",  # 23
        "/* a comment",  # 24
        "   on two lines */ int last;",  # 25
    ]
)


@pytest.mark.skipif(GCC is None, reason="no gcc")
def test_gcc_numbers_every_line_as_the_map_says() -> None:
    analysis, result = mapped(SEED, COVERAGE_BODY)
    assert analysis.rendered is not None and analysis.rendered.text is not None
    rendered = analysis.rendered.text
    source = with_line_directives(rendered, result, FILENAME)
    # every line gcc keeps (not blank, not a directive, not in a skipped group) has its number
    skipped = False
    expected = []
    for text, number in zip(_lines(rendered), result.lines):
        if text.strip() in ("#if 0", "#elif 2"):
            skipped = True
        elif text.strip() in ("#else", "#endif", "#if 1"):
            skipped = False
        elif text.strip() and not skipped:
            expected.append((number, " ".join(text.split())))
    expected[-2:] = [(expected[-1][0], "int last;")]  # gcc replaces the comment by a space
    assert preprocessed(source) == expected
    assert [n - HEADER_LINES for n, _ in expected][-8:] == [17, 17, 17, 17, 21, 22, 23, 25]


@pytest.mark.skipif(GCC is None, reason="no gcc")
@pytest.mark.parametrize("profile", ["seed", "rocm-2.13"])
def test_gcc_error_on_a_template_line(profile: str) -> None:
    body = (
        PRELUDE  # 1..6
        + DEF_KERNEL[profile].replace("PT_EXPORT ", "")
        + " {\n"  # 7
        "{%- for i in range(2) %}\n"  # 8
        "  int a{{ i }} = {{ i }};\n"  # 9
        "{%- endfor %}\n"  # 10
        "  int x = undeclared_name;\n"  # 11
        "  return 0;\n"  # 12
        "}"  # 13
    )
    analysis, result = mapped(HEADERS[profile], body)
    assert analysis.rendered is not None and analysis.rendered.text is not None
    source = with_line_directives(analysis.rendered.text, result, FILENAME)
    errors = compile_errors(source)
    assert [(file, line - HEADER_LINES) for file, line, _ in errors] == [(FILENAME, 11)], errors


# -- columns: a compiler's (line, column) → a template range ----------------------------------


def at(
    body: str,
    needle: str,
    nth: int = 0,
    after: bool = False,
    column: int | None = None,
    excerpt: str = "",
    caret: int = -1,
    caret_width: int = 0,
    header: str = SEED,
) -> str | None:
    """Where a compiler's position at the ``nth`` ``needle`` of the rendered text (``after``: just
    past it) lands: the template line with «» around the range, or ⟨⟩ around the ``{{ … }}`` it
    came from; None: only the line is known. ``column``: the compiler's own (default: the
    needle's, in bytes, as clang counts); ``excerpt``/``caret``: the line and caret it printed."""
    analysis = analyze(header + body)
    source = compiler_source(analysis, FILENAME)
    offset = -1
    for _ in range(nth + 1):
        offset = source.rendered.index(needle, offset + 1)
    if after:
        offset += len(needle)
    row = source.rendered.count("\n", 0, offset)
    line = source.rendered[source.rendered.rfind("\n", 0, offset) + 1 : offset]
    place = source.place(
        source.numbers[row],
        len(line.encode()) + 1 if column is None else column,
        excerpt=excerpt,
        caret=caret,
        caret_width=caret_width,
    )
    if place is None:
        return None
    first, _ = analysis.index.position(place.span.start)
    last, _ = analysis.index.position(place.span.end)
    begin, end = analysis.index.line_span(first).start, analysis.index.line_span(last).end
    opening, closing = "⟨⟩" if place.expansion else "«»"
    text = analysis.text
    return (
        text[begin : place.span.start]
        + opening
        + text[place.span.start : place.span.end]
        + closing
        + text[place.span.end : end]
    )


def test_literal_text_after_an_expression_keeps_its_template_column() -> None:
    body = DEF_KERNEL["seed"] + " { int y = undeclared;\n}\n"
    assert at(body, "undeclared") == DEF_KERNEL["seed"] + " { int y = «undeclared»;"
    assert at(body, "{ int") == DEF_KERNEL["seed"] + " «{» int y = undeclared;"


def test_a_column_inside_an_expansion_is_the_whole_expression() -> None:
    body = '  int v = {{ "undeclared_" ~ "name" }} + 1;\n'
    assert at(body, "name") == '  int v = ⟨{{ "undeclared_" ~ "name" }}⟩ + 1;'
    assert at(body, "+") == '  int v = {{ "undeclared_" ~ "name" }} «+» 1;'


def test_every_line_of_a_hook_expansion_is_the_hook_call() -> None:
    body = DEF_KERNEL["seed"] + " {\n{{kernel.check_not_null(X)}}\n  int after = 0;\n}\n"
    assert at(body, "if (!X)") == "⟨{{kernel.check_not_null(X)}}⟩"
    assert at(body, "throw") == "⟨{{kernel.check_not_null(X)}}⟩"
    assert at(body, "after") == "  int «after» = 0;"


def test_a_word_made_of_text_and_an_expression_spans_both() -> None:
    body = "  int v = undeclared_{{ 'name' }};\n"
    assert at(body, "undeclared") == "  int v = «undeclared_{{ 'name' }}»;"


def test_loop_lines_are_exact_only_where_every_iteration_agrees() -> None:
    body = (
        "{%- for i in range(3) %}\n"
        "  int a{{ i }} = undeclared;\n"  # the same column in every iteration
        "  {{ ['bad', '', ''][i] }}{{ ['', 'bad', 'bad'][i] }};\n"  # same text, other expressions
        "  int b{{ i * 100 }} = also;\n"  # the column moves with the iteration
        "{%- endfor %}\n"
    )
    for nth in range(3):
        assert at(body, "undeclared", nth) == "  int a{{ i }} = «undeclared»;"
        assert at(body, "bad", nth) is None
    assert at(body, "also") is None
    # the line the compiler printed says which iteration it was
    echo = "    int b100 = also;"
    assert at(body, "also", 1, excerpt=echo, caret=echo.index("also")) == "  int b{{ i * 100 }} = «also»;"
    assert at(body, "b100", excerpt=echo, caret=echo.index("b100")) == "  int «b{{ i * 100 }}» = also;"


def test_macro_text_maps_to_the_macro_body() -> None:
    body = (
        "{%- macro guard(name) %}\n"
        "  if (!{{ name }}) return undeclared;\n"
        "{%- endmacro %}\n"
        "{{- guard('X') }}\n"
        "{{- guard('Y') }}\n"
    )
    assert at(body, "undeclared", 1) == "  if (!{{ name }}) return «undeclared»;"
    assert at(body, "Y") == "  if (!⟨{{ name }}⟩) return undeclared;"  # both calls: the same expression


def test_text_measured_by_the_template_maps_to_the_call() -> None:
    body = "{%- macro m() %}\n  int in_macro;\n{%- endmacro %}\n// {{ m()|length }}\n{{ m() }}\n"
    assert at(body, "in_macro") == "⟨{{ m() }}⟩"


def test_filtered_text_has_no_column() -> None:
    body = "{% filter upper %}\nint from_filter;\n{%- endfilter %}\nint last;\n"
    assert at(body, "FROM_FILTER") is None
    assert at(body, "last") == "int «last»;"


def test_whitespace_control_joins_lines_each_keeping_its_own() -> None:
    body = "int a;\n{%- if true %} int b;{% endif %}\n"
    assert at(body, "int b") == "{%- if true %} «int» b;{% endif %}"
    body = "int a  {{- ' b' -}}  c {#- x -#} d {%- raw -%} e {%- endraw -%} f + g;\n"
    assert at(body, "a") == "int «a»  {{- ' b' -}}  c {#- x -#} d {%- raw -%} e {%- endraw -%} f + g;"
    assert at(body, "+") == "int a  {{- ' b' -}}  c {#- x -#} d {%- raw -%} e {%- endraw -%} f «+» g;"
    # "bcdef" is one word, made of the expression and four runs of text
    assert at(body, "e") == "int a  {{- ' b' -}}  c {#- x -#} d {%- raw -%} «e {%- endraw -%} f» + g;"
    assert at(body, "b") == "int a  ⟨{{- ' b' -}}  c {#- x -#} d {%- raw -%} e {%- endraw -%} f⟩ + g;"


def test_crlf_template_columns() -> None:
    body = "int a;\r\nint {{ 'v' }} = undeclared;\r\n"
    assert at(body, "undeclared", header=SEED.replace("\n", "\r\n")) == "int {{ 'v' }} = «undeclared»;"


def test_a_position_past_the_end_of_the_line_is_after_its_last_character() -> None:
    body = "  int x = {{ 'f' }}(1)\n}\n"
    assert at(body, "(1)", after=True) == "  int x = {{ 'f' }}(1)«»"


def test_a_caret_range_gives_the_extent() -> None:
    body = "  int v = x + {{ 'yy' }};\n"
    line = "  int v = x + yy;"
    assert at(body, "x", excerpt=line, caret=10, caret_width=6) == "  int v = «x + {{ 'yy' }}»;"
    assert at(body, "x", excerpt=line, caret=10, caret_width=1) == "  int v = «x» + {{ 'yy' }};"


def test_columns_of_lines_with_tabs_or_non_ascii_need_the_printed_line() -> None:
    body = '\tconst char* s = "été";  /* two  spaces */ int z = undeclared;\n'
    # as nvcc prints it: whitespace runs collapsed, comments dropped, no column
    echo = '   const char* s = "été"; int z = undeclared;'
    expected = '\tconst char* s = "été";  /* two  spaces */ int z = «undeclared»;'
    assert at(body, "undeclared", column=0, excerpt=echo, caret=echo.index("undeclared")) == expected
    # as clang prints it: tabs expanded, bytes counted
    echo = '        const char* s = "été";  /* two  spaces */ int z = undeclared;'
    assert at(body, "undeclared", excerpt=echo, caret=echo.index("undeclared")) == expected
    assert at(body, "undeclared") is None  # bytes, characters or display columns: not known
    assert at(body, "undeclared", column=0, excerpt=echo.replace("const", "char"), caret=10) is None
    ucn = "    int c = \\U000000e9t\\U000000e9 + undeclared;"
    assert at(
        "  int c = été + undeclared;\n", "undeclared", column=0, excerpt=ucn, caret=ucn.index("undeclared")
    ) == ("  int c = été + «undeclared»;")


def test_a_line_the_directives_could_not_renumber() -> None:
    body = (
        "#define M \\\n"  # 1
        '  {{ "a \\\\\\n  b" }}\n'  # 2: two lines of a continued macro definition
        "int c;\n"  # 3
    )
    analysis = analyze(SEED + body)
    source = compiler_source(analysis, FILENAME)
    assert source.rendered.split("\n")[:3] == ["#define M \\", "  a \\", "  b"]
    assert source.lines is not None and body_lines(source.lines) == [1, 2, 2, 3]
    assert [n - HEADER_LINES for n in source.numbers if n is not None] == [1, 2, 3, 3]  # none inside
    # the compiler says line 3 for "b": the expression on line 2, or "int c;" at that column
    assert at(body, "b") is None
    assert at(body, "b", excerpt="  b", caret=2) == '  ⟨{{ "a \\\\\\n  b" }}⟩'
    assert at(body, "c;") == "int «c»;"


def test_no_columns_without_a_map() -> None:
    body = "int a = {{ '\U0010ff00' }};\n"  # the tracer's own markers: not traced
    analysis = analyze(SEED + body)
    source = compiler_source(analysis, FILENAME)
    assert source.lines is None and source.text == source.rendered
    assert source.place(HEADER_LINES + 1, 5) is None

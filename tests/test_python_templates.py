"""Inductor's own Python template modules (issue 5): ``analyze_python`` and ``rocm-lsp check``.

The real test is torch 2.13's ``torch/_inductor/codegen/rocm/``, copied from the torch 2.13
found on this machine (:mod:`torch_sources`: ``$ROCM_LSP_TORCH_WHEEL``, the oracle's
``.oracle`` venv, an installed torch or a wheel in pip's find-links; never committed; the tests
fail, never skip, without one): quiet on the real code, and each planted defect reported at its
line and column of the right ``.py`` file. Small synthetic modules pin one behaviour each.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections import Counter
from pathlib import Path

import pytest

from cli_support import run_cli
from rocm_lsp.core.diagnostics import Severity
from rocm_lsp.core.pymodules import analyzer
from rocm_lsp.core.pymodules.analyzer import analyze_python, holds_templates
from rocm_lsp.core.text import LineIndex, Span
from rocm_lsp.core.workspace.check import check_file, discover
from torch_sources import TorchSourcesNotFound, copy_rocm_modules

# torch 2.13's real findings: five warnings, all on the one gemm_template render call of
# ck_universal_gemm_template.py, which passes names its template never reads.
REAL_WARNINGS = {
    ("ck_universal_gemm_template.py", 748, 13, "RL502", "inline_utils"),
    ("ck_universal_gemm_template.py", 763, 13, "RL502", "bias_element_dtype"),
    ("ck_universal_gemm_template.py", 764, 13, "RL502", "alpha"),
    ("ck_universal_gemm_template.py", 765, 13, "RL502", "beta"),
    ("ck_universal_gemm_template.py", 769, 13, "RL502", "has_bias"),
}


@pytest.fixture(scope="session")
def torch_rocm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of torch 2.13's ``torch/_inductor/codegen/rocm/``; fails (never skips) without one."""
    try:
        return copy_rocm_modules(tmp_path_factory.mktemp("torch_sources"))
    except TorchSourcesNotFound as exc:
        pytest.fail(f"these tests read PyTorch 2.13's ROCm template modules: {exc}", pytrace=False)


def _planted(torch_rocm: Path, tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, str]:
    """A copy of the ROCm directory with ``old`` replaced (once) by ``new`` in file ``name``."""
    copy = tmp_path / "rocm"
    shutil.copytree(torch_rocm, copy)
    path = copy / name
    text = path.read_text()
    assert old in text, f"{name} no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1))
    return path, path.read_text()


def _position(text: str, needle: str, shift: int = 0) -> tuple[int, int]:
    """1-based (row, column) of the first ``needle`` in ``text`` (plus ``shift`` characters)."""
    row, col = LineIndex(text).position(text.index(needle) + shift)
    return row + 1, col + 1


def _rows(path: Path) -> list[tuple[int, int, str, str]]:
    report = check_file(path)
    out = []
    for d in report.diagnostics:
        row, col = report.index.position(d.span.start)
        out.append((row + 1, col + 1, d.code, d.message))
    return out


def _cli_errors(directory: Path) -> list[tuple[str, int, int, str]]:
    """The error-severity findings of ``rocm-lsp check --output-format json DIR``."""
    proc = run_cli("check", "--no-cache", "--output-format", "json", str(directory))
    assert proc.returncode in (0, 1), proc.stderr
    return [
        (Path(r["filename"]).name, r["location"]["row"], r["location"]["column"], r["code"])
        for r in json.loads(proc.stdout)
        if r["severity"] == "error"
    ]


def _findings(source: str, **kwargs) -> list[tuple[int, int, str, str, str]]:
    """``(row, column, code, spanned text, message)`` for a module's findings."""
    analysis = analyze_python(source, **kwargs)
    out = []
    for d in analysis.diagnostics:
        row, col = analysis.index.position(d.span.start)
        out.append((row + 1, col + 1, d.code, source[d.span.start : d.span.end], d.message))
    return out


# -- torch 2.13's real modules ------------------------------------------------------------


def test_real_rocm_modules_have_no_errors(torch_rocm: Path) -> None:
    found = set()
    for path in sorted(torch_rocm.glob("*.py")):
        for row, col, code, message in _rows(path):
            assert code != "RL100"
            found.add((path.name, row, col, code, message.split(" ", 1)[0]))
    assert found == REAL_WARNINGS


def test_real_rocm_modules_are_understood(torch_rocm: Path) -> None:
    """Every template is found and bound to its render call (no silent give-up)."""
    names = {}
    for path in sorted(torch_rocm.glob("*.py")):
        analysis = analyze_python(path.read_text())
        for t in analysis.templates:
            names[f"{path.name}:{t.name}"] = [("open" if c.open else "closed") for c in t.calls]
    assert names == {
        "ck_conv_template.py:CKGroupedConvFwdTemplate.conv_template": ["closed"],
        "ck_conv_template.py:emit_ck_instance.template_definition": ["closed"],
        "ck_conv_template.py:emit_ck_instance.template_type": ["closed"],
        "ck_tile_universal_gemm_template.py:CKTileGemmTemplate.gemm_template": ["closed"],
        # **asdict(op) passes the op's fields: open
        "ck_tile_universal_gemm_template.py:emit_ck_instance.template_definition": ["open"],
        "ck_universal_gemm_template.py:CKGemmTemplate.gemm_template": ["closed"],
        # **size_args, **runtime_args built from zip(): open
        "ck_universal_gemm_template.py:CKGemmTemplate.standalone_runner_template": ["open"],
        "ck_universal_gemm_template.py:emit_ck_instance.template_definition": ["closed"],
        "ck_universal_gemm_template.py:emit_ck_instance.template_type": ["closed"],
    }
    gemm = (torch_rocm / "ck_universal_gemm_template.py").read_text()
    analysis = analyze_python(gemm)
    (call,) = analysis.kernel_calls
    assert [a.keyword for a in call.arguments] == [
        "inputs",
        "outputs",
        "names_str",
        "input_reorder",
        "size_args",
    ]


def test_real_rocm_directory_through_the_cli(torch_rocm: Path) -> None:
    proc = run_cli("check", "--no-cache", "--output-format", "json", str(torch_rocm))
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    assert [r for r in records if r["severity"] == "error"] == []
    got = {
        (
            Path(r["filename"]).name,
            r["location"]["row"],
            r["location"]["column"],
            r["code"],
            r["message"].split()[0],
        )
        for r in records
    }
    assert got == REAL_WARNINGS


def test_directory_walk_picks_template_modules_only(torch_rocm: Path) -> None:
    assert sorted(p.name for p in discover([torch_rocm])) == [
        "ck_conv_template.py",
        "ck_tile_universal_gemm_template.py",
        "ck_universal_gemm_template.py",
    ]


# -- planted defects -------------------------------------------------------------------------


def test_planted_misspelt_template_variable(torch_rocm: Path, tmp_path: Path) -> None:
    path, text = _planted(
        torch_rocm,
        tmp_path,
        "ck_universal_gemm_template.py",
        "    {{instance_definition}}\n    extern",
        "    {{instance_defintion}}\n    extern",
    )
    row, col = _position(text, "{{instance_defintion}}", 2)
    render_line = _position(text, "self._template_from_string(self.gemm_template).render(")[0]
    errors = [r for r in _rows(path) if r[2] == "RL501"]
    assert errors == [
        (
            row,
            col,
            "RL501",
            f"instance_defintion is undefined: the render call at line {render_line} does not pass it "
            "(did you mean instance_definition?)",
        )
    ]
    assert _cli_errors(path.parent) == [(path.name, row, col, "RL501")]
    proc = run_cli("check", "--no-cache", str(path.parent))
    assert proc.returncode == 1
    assert f"{path}:{row}:{col}: RL501 instance_defintion is undefined" in proc.stdout.decode()


def test_planted_names_str_arity(torch_rocm: Path, tmp_path: Path) -> None:
    path, text = _planted(
        torch_rocm,
        tmp_path,
        "ck_universal_gemm_template.py",
        'names_str="X, W, inv_scale_x, inv_scale_w, Bias, Y"',
        'names_str="X, W, inv_scale_x, inv_scale_w, Y"',
    )
    row, col = _position(text, '"X, W, inv_scale_x, inv_scale_w, Y"')
    errors = [r for r in _rows(path) if r[2].startswith("RL2")]
    message = (
        "names_str lists 5 names (X, W, inv_scale_x, inv_scale_w, Y) but def_kernel got 5 inputs + 1 output"
    )
    assert errors == [(row, col, "RL201", message)]
    assert _cli_errors(path.parent) == [(path.name, row, col, "RL201")]


def test_planted_broken_if(torch_rocm: Path, tmp_path: Path) -> None:
    path, text = _planted(torch_rocm, tmp_path, "ck_universal_gemm_template.py", "        {% endif %}\n", "")
    row, col = _position(text, "{% if is_batched %}")
    assert _rows(path) == [
        (row, col, "RL110", "Jinja syntax error: {% if %} is never closed with {% endif %}")
    ]
    assert _cli_errors(path.parent) == [(path.name, row, col, "RL110")]


def test_planted_jinja_error_in_a_local_template(torch_rocm: Path, tmp_path: Path) -> None:
    path, text = _planted(
        torch_rocm,
        tmp_path,
        "ck_conv_template.py",
        "using Operation_{{operation_name}} =",
        "using Operation_{{operation_name} =",
    )
    row, col = _position(text, "using Operation_{{operation_name} =")
    ((got_row, _, code, _),) = [r for r in _rows(path) if r[2] == "RL110"]
    assert (got_row, code) == (row, "RL110")


# -- synthetic modules -------------------------------------------------------------------------

ROCM = "from torch._inductor.codegen.rocm.ck_template import CKTemplate\n\n\n"


def test_unresolved_expansion_is_silent() -> None:
    source = ROCM + (
        "class T(CKTemplate):\n"
        '    tmpl = "{{ a }} {{ b }}"\n'
        "\n"
        "    def render(self, kernel, **kwargs):\n"
        "        return self._template_from_string(self.tmpl).render(a=1, **kwargs)\n"
    )
    assert _findings(source) == []
    (template,) = analyze_python(source).templates
    assert template.calls[0].open


def test_readable_expansions_are_read() -> None:
    source = ROCM + (
        "class T(CKTemplate):\n"
        '    tmpl = "{{ a }} {{ b }} {{ c }}"\n'
        "\n"
        "    def render(self, kernel):\n"
        "        extra = dict(c=3)\n"
        '        return self._template_from_string(self.tmpl).render(**{"a": 1}, **extra)\n'
    )
    assert [f[:4] for f in _findings(source)] == [(5, 24, "RL501", "b")]


def test_inherited_class_attribute() -> None:
    source = ROCM + (
        "class Base(CKTemplate):\n"
        '    tmpl = r"""\n'
        "int x = {{ a }};\n"
        "int y = {{ b }};\n"
        '"""\n'
        "\n"
        "\n"
        "class Child(Base):\n"
        "    def render(self, kernel):\n"
        "        return self._template_from_string(self.tmpl).render(a=1)\n"
    )
    ((row, col, code, text, message),) = _findings(source)
    assert (row, col, code, text) == (7, 12, "RL501", "b")
    assert message == "b is undefined: the render call at line 13 does not pass it"


def test_subclass_override_of_the_rendered_attribute() -> None:
    """A base method renders ``self.tmpl``; a subclass that only overrides ``tmpl`` is rendered
    by it too."""
    source = ROCM + (
        "class Base(CKTemplate):\n"
        '    tmpl = "{{ a }}"\n'
        "\n"
        "    def render(self, kernel):\n"
        "        return self._template_from_string(self.tmpl).render(a=1, b=2)\n"
        "\n"
        "\n"
        "class Child(Base):\n"
        '    tmpl = "{{ a }}{{ b }}{{ c }}"\n'
    )
    assert [f[:4] for f in _findings(source)] == [(12, 30, "RL501", "c")]  # b is used by Child: no RL502
    analysis = analyze_python(source)
    assert analysis.renders[0].templates == ("Base.tmpl", "Child.tmpl")


def test_local_variable_template() -> None:
    source = ROCM + (
        "class T(CKTemplate):\n"
        "    def emit(self, op):\n"
        '        definition = r"""\n'
        "using Op_{{ name }} = {{ params }};\n"
        '"""\n'
        "        template = self._template_from_string(definition)\n"
        "        return template.render(name=op.name())\n"
    )
    assert [f[:4] for f in _findings(source)] == [(7, 26, "RL501", "params")]
    (template,) = analyze_python(source).templates
    assert template.name == "emit.definition"


def test_rebound_local_is_not_guessed() -> None:
    """``t = A; t += B``: which text is rendered is not a literal; nothing is reported."""
    source = ROCM + (
        'A = "{{ a }}"\n'
        'B = "{{ b }}"\n'
        "\n"
        "\n"
        "def render(kernel, flag):\n"
        "    t = A\n"
        "    if flag:\n"
        "        t += B\n"
        "    return KernelTemplate._template_from_string(t).render(a=1)\n"
    )
    assert _findings(source) == []


def test_unused_keyword_argument_is_a_warning() -> None:
    source = ROCM + (
        'TEMPLATE = "{{ a }}"\n'
        "\n"
        "\n"
        "def render(kernel):\n"
        "    return KernelTemplate._template_from_string(TEMPLATE).render(a=1, alpha=2.0)\n"
    )
    ((row, col, code, text, message),) = _findings(source)
    assert (row, col, code, text) == (8, 71, "RL502", "alpha")
    assert message == "alpha is passed to render but TEMPLATE never uses it"
    assert analyze_python(source).diagnostics[0].severity is Severity.WARNING


def test_keyword_passed_twice() -> None:
    source = ROCM + (
        'TEMPLATE = "{{ a }}"\n'
        "\n"
        "\n"
        "def render(kernel):\n"
        '    return KernelTemplate._template_from_string(TEMPLATE).render(a=1, **{"a": 2})\n'
    )
    assert [f[:4] for f in _findings(source)] == [(8, 74, "RL503", '"a"')]


def test_branch_disabled_by_a_literal_flag() -> None:
    source = ROCM + (
        "class T(CKTemplate):\n"
        '    tmpl = r"""\n'
        "{{ a }}\n"
        "{% if has_bias %}\n"
        "  bias = {{ bias_ptr }};\n"
        "{% elif not has_scale %}\n"
        "  scale = {{ scale_ptr }};\n"
        "{% endif %}\n"
        "{% if extra is defined %}{{ extra }}{% endif %}\n"
        '"""\n'
        "\n"
        "    def plain(self):\n"
        "        return self._template_from_string(self.tmpl).render(a=1, has_bias=False, has_scale=True)\n"
        "\n"
        "    def biased(self):\n"
        "        return self._template_from_string(self.tmpl).render(a=1, has_bias=True, has_scale=None)\n"
    )
    # has_bias=False and has_scale=True disable both branches of the first call; the second
    # call enables the bias branch, which needs bias_ptr; `extra` is guarded by `is defined`
    assert [f[:4] for f in _findings(source)] == [(8, 13, "RL501", "bias_ptr")]
    assert "render call at line 19 " in _findings(source)[0][4]


def test_never_passed_flag_is_itself_undefined() -> None:
    source = ROCM + (
        'TEMPLATE = "{% if flag %}{{ x }}{% endif %}"\n'
        "\n"
        "\n"
        "def render(kernel):\n"
        "    return KernelTemplate._template_from_string(TEMPLATE).render(x=1)\n"
    )
    assert [f[:4] for f in _findings(source)] == [(4, 19, "RL501", "flag")]


def test_positions_through_escapes_concatenation_and_non_ascii() -> None:
    source = ROCM + (
        "# größe ✓ 🚀\n"
        "class T(CKTemplate):\n"
        "    tmpl = (\"ä\\t{{ a }}\\n\\x41\" '{{ bb }}'\n"
        '            f"{{{{ c }}}}" u"\\N{BULLET}{{ d }}\\\n'
        '{{ e }}")\n'
        "\n"
        "    def render(self, kernel):\n"
        "        return self._template_from_string(self.tmpl).render(a=1)\n"
    )
    got = [f[:4] for f in _findings(source)]
    assert got == [
        (6, 36, "RL501", "bb"),
        (7, 20, "RL501", "c"),
        (7, 43, "RL501", "d"),
        (8, 4, "RL501", "e"),
    ]
    (template,) = analyze_python(source).templates
    assert template.text == "ä\t{{ a }}\nA{{ bb }}{{ c }}\u2022{{ d }}{{ e }}"
    for ref in template.references:  # file spans hold the name, and map back
        assert source[ref.span.start : ref.span.end] == ref.name
        assert template.text[template.source.to_value(ref.span.start) :].startswith(ref.name)


def test_hover_data_for_template_names() -> None:
    source = ROCM + (
        "class T(CKTemplate):\n"
        '    tmpl = "{{ kernel_definition }} {{ tile }}"\n'
        "\n"
        "    def render(self, kernel, op):\n"
        "        return self._template_from_string(self.tmpl).render(\n"
        "            kernel_definition=kernel.def_kernel(\n"
        '                inputs=[X], outputs=[Y], names_str="X, Y", size_args=[]\n'
        "            ),\n"
        "            tile=op.tile_m * 2,\n"
        "        )\n"
    )
    analysis = analyze_python(source)
    assert analysis.diagnostics == ()
    offset = source.index("{{ tile }}") + 4
    template = analysis.template_at(offset)
    assert template is not None
    ref = template.name_at(offset)
    assert ref is not None and ref.name == "tile"
    ((call, arg),) = template.passed("tile")
    assert arg.value == "op.tile_m * 2"
    assert source[arg.span.start : arg.span.end] == "tile"
    site = analysis.kernel_call_at(source.index("def_kernel") + 1)
    assert site is not None and site.hook == "def_kernel"


def test_def_kernel_in_python() -> None:
    source = ROCM + (
        "class T(CKTemplate):\n"
        "    def render(self, kernel, X, W, Y, Bias):\n"
        '        kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, Y", size_args=[])\n'
        '        kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, W, Y")\n'
        '        kernel.def_kernel([X, W], [Y], [], "X, W, Y", input_reorder=[0, 2])\n'
        "        kernel.def_kernel(\n"
        "            inputs=[X, W, Bias] if Bias is not None else [X, W],\n"
        "            outputs=[Y],\n"
        '            names_str="X, W, Bias, Y" if Bias is not None else "X, Y",\n'
        "            size_args=[],\n"
        "        )\n"
        "        kernel.def_kernel(inputs=inputs, outputs=[Y], size_args=[])  # not literal: skipped\n"
        '        super().def_kernel([X], [Y], "X, Y")  # not a template kernel\n'
    )
    assert [f[:4] for f in _findings(source)] == [
        (6, 65, "RL201", '"X, Y"'),
        (7, 9, "RL206", 'kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, W, Y")'),
        (8, 73, "RL203", "2"),
        (12, 64, "RL201", '"X, Y"'),
    ]


def test_def_kernel_of_other_backends_is_not_checked() -> None:
    """CUTLASS and C++ templates have a ``kernel`` with another ``def_kernel``."""
    source = (
        "from torch._inductor.codegen.cuda.cuda_kernel import CUDATemplateKernel\n"
        "\n"
        "\n"
        "def render(kernel, X, Y):\n"
        '    return kernel.def_kernel(inputs=[X], outputs=[Y], names_str="X")\n'
    )
    assert _findings(source) == []


def test_format_strings_are_not_templates() -> None:
    source = (
        'LISTENER = """\n'
        "document.getElementById('node{id}').addEventListener('x', function(e) {{ a = {stack} }})\n"
        '"""\n'
        "\n"
        "\n"
        "def html(i, stack):\n"
        "    return LISTENER.format(id=i, stack=stack)\n"
    )
    assert _findings(source) == []
    assert analyze_python(source).templates == ()


def test_suppression_comment() -> None:
    source = ROCM + (
        'TEMPLATE = "{{ a }}"\n'
        "\n"
        "\n"
        "def render(kernel):\n"
        "    return KernelTemplate._template_from_string(TEMPLATE).render(\n"
        "        a=1, b=2  # rocm-lsp: ignore[RL502]\n"
        "    )\n"
    )
    assert _findings(source) == []


def test_module_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "base.py").write_text(
        "from torch._inductor.codegen.rocm.rocm_template import ROCmTemplate\n"
        "\n"
        "\n"
        "class Base(ROCmTemplate):\n"
        '    tmpl = "{{ p }}{{ q }}"\n'
    )
    child = tmp_path / "child.py"
    child.write_text(
        "from .base import Base\n"
        "\n"
        "\n"
        "class Child(Base):\n"
        "    def render(self, kernel):\n"
        "        return self._template_from_string(self.tmpl).render(p=1, z=2)\n"
    )
    assert _rows(child) == [
        (6, 54, "RL501", "the template base.py:Base.tmpl uses q, which this render call does not pass"),
        (6, 66, "RL502", "z is passed to render but base.py:Base.tmpl never uses it"),
    ]
    assert _rows(tmp_path / "base.py") == []  # nothing renders it there


def test_ordinary_python_is_silent(tmp_path: Path) -> None:
    ordinary = tmp_path / "util.py"
    ordinary.write_text('import os\n\n\ndef f(x):\n    return f"{x}{{y}}" + "{{ not a template }}"\n')
    template = tmp_path / "kern.py"
    template.write_text(ROCM + 'T = "{{ a }"\n')
    assert holds_templates(ordinary.read_text()) is False
    assert sorted(p.name for p in discover([tmp_path])) == ["kern.py"]
    assert _rows(ordinary) == []  # an explicit path is analysed, and stays silent
    assert [r[2] for r in _rows(template)] == ["RL110"]


@pytest.mark.parametrize(
    "source",
    [
        "",
        "\x00\x01\x02",
        "class T:\n    t = '''{{ a }\n    def r(self):\n        self._template_from_string(self.t).render(",
        "class T(CKTemplate):\n    t = '{{ a }}'\n    def r(self):\n"
        "        self._template_from_string(self.t).render(a=",
        "x = " + "(" * 5000 + "'{{ a }}'" + ")" * 5000 + "\n_template_from_string(x).render()\n",
        "T = '{{ ' + '{{' * 3000 + ' }}'\n_template_from_string(T).render()\n",
        '_template_from_string("{% for %}\\N{NOT A NAME}").render()\n',
        "\ufeffclass T(CKTemplate):\n\r\n  t = '\\\r\n{{ a }}'\r\n"
        "  def r(self): self._template_from_string(self.t).render()\r\n",
        "def f():\n    return _template_from_string('{{ ' + 'a.' * 20000 + 'b }}').render()\n",
        bytes(range(1, 256)).decode("latin-1"),
    ],
)
def test_never_raises(source: str) -> None:
    analysis = analyze_python(source)
    for d in analysis.diagnostics:
        assert 0 <= d.span.start <= d.span.end <= len(source)
        assert d.code != "RL199", d  # nor fails inside


def test_an_internal_error_is_rl199_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(text: str, profile: str | None) -> None:
        raise KeyError("calls")

    monkeypatch.setattr(analyzer, "jinja_facts", failing)  # the Jinja pass over each template
    source = "T = '{{ a }}'\n_template_from_string(T).render(a=1)\n"
    with caplog.at_level(logging.ERROR, logger=analyzer.__name__):
        analysis = analyze_python(source, profile_reason="from the test")
    assert [(d.code, d.message, d.span) for d in analysis.diagnostics] == [
        ("RL199", "internal error: KeyError: 'calls' — please report this with the file", Span(0, 0))
    ]
    assert analysis.profile_reason == "from the test"
    (record,) = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is KeyError  # the traceback is logged


def test_deep_nesting_is_a_finding_not_a_crash() -> None:
    source = "T = '{{ " + "(" * 3000 + "a" + ")" * 3000 + " }}'\n_template_from_string(T).render(a=1)\n"
    assert [(f[2], f[4]) for f in _findings(source)] == [
        ("RL110", "Jinja cannot compile this template: it nests too deeply")
    ]


def test_binary_file_is_rl100(tmp_path: Path) -> None:
    path = tmp_path / "blob.py"
    path.write_bytes(b"\x00\xff" * 100)
    assert [r[2] for r in _rows(path)] == ["RL100"]


def test_counts_by_code_on_the_real_modules(torch_rocm: Path) -> None:
    counts = Counter(code for path in torch_rocm.glob("*.py") for _, _, code, _ in _rows(path))
    assert counts == Counter({"RL502": 5})

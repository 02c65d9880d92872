"""What a new user meets in the first hour: messages that say what happened and what to do."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from rocm_lsp import cli
from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.features.completion import completions_at
from rocm_lsp.core.features.hover import hover_at
from rocm_lsp.core.text import LineIndex
from rocm_lsp.lsp import convert

REPO = Path(__file__).resolve().parents[1]
CK_GEMM = REPO / "templates" / "ck_universal_gemm.hip.jinja"
NVCC = shutil.which("nvcc") or ("/usr/local/bin/nvcc" if Path("/usr/local/bin/nvcc").exists() else None)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "rocm_lsp", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd or REPO, timeout=300)


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed (CI machines have it)")
def test_compile_of_an_amd_only_template_on_nvidia_is_skipped_not_failed() -> None:
    proc = run("compile", str(CK_GEMM), "--compiler", str(NVCC))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("skipped: AMD only (nvcc for sm_")
    assert "failed" not in proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"{CK_GEMM}:") and " RL403 " in proc.stdout


def test_bench_without_torch_says_so_before_compiling_and_names_the_option(tmp_path: Path) -> None:
    no_torch = tmp_path / "python-without-torch"  # this Python without site-packages
    no_torch.write_text(f'#!/bin/sh\nexec {sys.executable} -S "$@"\n')
    no_torch.chmod(0o755)
    proc = run("bench", str(CK_GEMM), "--python", str(no_torch))
    # an AMD-only template: compiling first would have said "not benchmarked: … AMD-only"
    assert proc.stdout == (
        f"{CK_GEMM}: benchmark failed: torch cannot be imported by the benchmark interpreter "
        f"{no_torch}; pass --python with a Python that has torch installed\n"
    )
    assert proc.returncode == 1


def test_check_of_a_folder_without_templates_warns_and_passes(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    proc = run("check", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0
    warning = f"rocm-lsp: warning: no templates found under {tmp_path}\n"
    assert proc.stderr == warning + "All checks passed (0 files).\n"


def test_an_invalid_pyproject_value_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.rocm-lsp]\nfail-on = "warnings"\n')
    shutil.copy(REPO / "templates" / "softmax_rows.hip.jinja", tmp_path)
    proc = run("check", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == (
        'error: [tool.rocm-lsp] fail-on: expected one of "error", "warning", "info", got \'warnings\'\n'
    )


def test_help_lists_check_first_and_describes_every_argument() -> None:
    parser = cli._parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands = ["check", "render", "compile", "asm", "compare", "bench", "tune", "render-py", "serve"]
    assert list(sub.choices) == commands
    assert [c.dest for c in sub._choices_actions] == commands
    for name, command in sub.choices.items():
        for action in command._actions:
            assert action.help, f"rocm-lsp {name}: {action.dest} has no help"
    assert run("--help").stdout.index("    check ") < run("--help").stdout.index("    render ")


def test_sarif_rules_have_no_relative_help_uri(tmp_path: Path) -> None:
    path = tmp_path / "k.hip.jinja"
    path.write_text('{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [4] }\n-#}\n{{ Y }}\n')
    proc = run("check", "--output-format", "sarif", str(path), cwd=tmp_path)
    rules = json.loads(proc.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["RL111", "RL214"]
    assert all("helpUri" not in r for r in rules)
    assert rules[0]["help"] == {"text": "RL111: see docs/diagnostics.md in the rocm-lsp sources"}


HOOKS_AT_KERNEL_DOT = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64] }
-#}
{{ kernel.def_kernel(inputs=[X], outputs=[], names_str="X") }}
{{ kernel. }}
"""


def _kernel_dot_items(snippets: bool) -> dict[str, lsp.CompletionItem]:
    analysis = analyze(HOOKS_AT_KERNEL_DOT)
    offset = HOOKS_AT_KERNEL_DOT.rindex("kernel.") + len("kernel.")
    positions = convert.Positions(LineIndex(HOOKS_AT_KERNEL_DOT))
    found = completions_at(analysis, offset)
    return {c.label: convert.completion(c, positions, offset, snippets) for c in found}


def test_completion_sends_snippets_only_to_clients_that_support_them() -> None:
    with_snippets = _kernel_dot_items(True)["def_kernel"]
    plain = _kernel_dot_items(False)["def_kernel"]
    assert with_snippets.insert_text_format == lsp.InsertTextFormat.Snippet
    assert with_snippets.text_edit.new_text == 'def_kernel(inputs=[$1], outputs=[$2], names_str="$4")$0'
    assert plain.insert_text_format == lsp.InsertTextFormat.PlainText
    assert plain.text_edit.new_text == 'def_kernel(inputs=[], outputs=[], names_str="")'


def _dtype_labels(profile: str) -> list[str]:
    text = f'{{#- rocm-lsp\nprofile = "{profile}"\n[nodes]\nX = {{ dtype = "\n-#}}\n'
    offset = text.index('dtype = "') + len('dtype = "')
    return [c.label for c in completions_at(analyze(text), offset)]


def test_dtype_completion_offers_what_the_profile_accepts() -> None:
    """The header is half-typed (not valid TOML) while a dtype is typed: its profile still counts."""
    seed, rocm = _dtype_labels("seed"), _dtype_labels("rocm-2.13")
    assert "float16" in seed and "float16" in rocm
    assert "float8_e4m3fnuz" in rocm and "float8_e4m3fnuz" not in seed  # the seed's table has no fp8
    assert "complex32" in rocm and "complex32" not in seed
    assert "float8_e8m0fnu" not in rocm  # def_kernel raises KeyError for it in torch 2.13


SET_LITERALS = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64] }
-#}
{%- set block_size = 256 %}
{%- set tile = [64, -2] %}
{%- set mode = "fast" if X else "slow" %}
{{ kernel.def_kernel(inputs=[X], outputs=[], names_str="X") }} {
  int b = {{ block_size }}; int t = {{ tile[0] }}; // {{ mode }}
}
"""


def test_hover_on_a_set_variable_shows_its_literal_value() -> None:
    analysis = analyze(SET_LITERALS)

    def hover(needle: str) -> str | None:
        found = hover_at(analysis, SET_LITERALS.index(needle) + 3)
        return None if found is None else found.markdown

    assert hover("{{ block_size") == "`block_size` = `256` (`{% set %}` on line 5)"
    assert hover("{{ tile") == "`tile` = `[64, -2]` (`{% set %}` on line 6)"
    assert hover("{{ mode") is None  # not a literal: nothing is evaluated to show it

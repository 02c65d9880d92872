"""End-to-end tests of ``rocm-lsp render`` and ``rocm-lsp check`` as a subprocess."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from cli_support import reference_cases, reference_results, run_cli

HEADER_SEED = """{#- rocm-lsp
kernel_name = "k_jinja"
[nodes]
X = { dtype = "float16", size = ["s0", 64] }
W = { dtype = "float16", size = [64, 32] }
Bias = "none"
Y = { dtype = "float16", size = ["s0", 32] }
-#}
"""

BROKEN_ARITY = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64, 64] }
W = { dtype = "float16", size = [64, 64] }
Y = { dtype = "float16", size = [64, 64] }
-#}
{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, Y")}} {}
"""


def _case(case_id: str) -> tuple[dict, dict]:
    case = next(c for c in reference_cases() if c["id"] == case_id)
    return case, reference_results()[case_id]


def test_render_matches_real_inductor_byte_for_byte(tmp_path: Path) -> None:
    case, expected = _case("render_seed_hooks_in_jinja")
    source = case["calls"][0]["source"]
    path = tmp_path / "k.hip.jinja"
    path.write_text(HEADER_SEED + source)
    proc = run_cli("render", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == expected["calls"][0]["result"]
    assert proc.stderr == b""


def test_render_rocm_2_13_signature(tmp_path: Path) -> None:
    case, expected = _case("render_jinja_env_rocm")
    path = tmp_path / "ck.hip.jinja"
    path.write_text(
        "{#- rocm-lsp\n"
        'profile = "rocm-2.13"\n'
        'kernel_name = "rocm_ck_gemm_template"\n'
        'runtime_args = [{ name = "kBatch", ty = "int32_t", value = 1 }]\n'
        "[nodes]\n"
        'X = { dtype = "float16", size = [128, 64] }\n'
        'W = { dtype = "float16", size = [64, 256], stride = [1, 64] }\n'
        'Y = { dtype = "float16", size = [128, 256] }\n'
        "-#}\n" + "PT_EXPORT " + case["calls"][1]["source"]
    )
    proc = run_cli("render", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == "PT_EXPORT " + expected["calls"][1]["result"]


def test_render_static_substitutes_shapes(tmp_path: Path) -> None:
    path = tmp_path / "s.hip.jinja"
    path.write_text(
        HEADER_SEED.replace("-#}", "[shapes]\ns0 = 4096\n-#}")
        + "{{kernel.size(X, 0, -1)}}|{{kernel.def_kernel(inputs=[X, W, Bias], outputs=[Y], "
        'names_str="X, W, Bias, Y")}}'
    )
    dynamic = run_cli("render", str(path))
    static = run_cli("render", "--static", str(path))
    assert dynamic.stdout.decode().startswith("64L*ks0|PT_EXPORT int k_jinja(const half* X, ")
    assert "const long ks0" in dynamic.stdout.decode()
    assert static.stdout.decode().startswith("262144L|PT_EXPORT int k_jinja(const half* X, ")
    assert "ks0" not in static.stdout.decode()


def test_render_error_exits_1_with_located_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "bad.hip.jinja"
    path.write_text(BROKEN_ARITY)
    proc = run_cli("render", str(path))
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert proc.stderr.decode().startswith(f"{path}:7:59: RL201 names_str lists 2 names (X, Y)")


def test_check_concise_and_exit_codes(tmp_path: Path) -> None:
    path = tmp_path / "bad.hip.jinja"
    path.write_text(BROKEN_ARITY)
    proc = run_cli("check", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stdout.decode() == (
        f"{path}:7:59: RL201 names_str lists 2 names (X, Y) but def_kernel got 2 inputs + 1 output\n"
    )
    assert "Found 1 error in 1 file." in proc.stderr.decode()
    assert run_cli("check", "--ignore", "RL201", str(path)).returncode == 0
    assert run_cli("check", "--select", "RL1", str(path)).returncode == 0
    assert run_cli("check", str(tmp_path / "missing")).returncode == 2
    assert run_cli("check", "--output-format", "yaml", str(path)).returncode == 2


def test_check_json_has_ruffs_fields(tmp_path: Path) -> None:
    path = tmp_path / "bad.hip.jinja"
    path.write_text(BROKEN_ARITY)
    proc = run_cli("check", "--output-format", "json", str(path))
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == [
        {
            "filename": str(path),
            "code": "RL201",
            "message": "names_str lists 2 names (X, Y) but def_kernel got 2 inputs + 1 output",
            "severity": "error",
            "location": {"row": 7, "column": 59},
            "end_location": {"row": 7, "column": 65},
        }
    ]


def test_check_github_and_sarif(tmp_path: Path) -> None:
    path = tmp_path / "bad.hip.jinja"
    path.write_text(BROKEN_ARITY)
    github = run_cli("check", "--output-format", "github", str(path)).stdout.decode()
    assert github == (
        f"::error file={path},line=7,col=59,endLine=7,endColumn=65,title=rocm-lsp (RL201)::"
        "RL201 names_str lists 2 names (X%2C Y) but def_kernel got 2 inputs + 1 output\n".replace("%2C", ",")
    )
    sarif = json.loads(run_cli("check", "--output-format", "sarif", str(path)).stdout)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["RL201"]
    (result,) = run["results"]
    assert result["ruleId"] == "RL201" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7, "startColumn": 59, "endLine": 7, "endColumn": 65,
    }  # fmt: skip


def test_fail_on_warning(tmp_path: Path) -> None:
    path = tmp_path / "warn.hip.jinja"
    path.write_text(HEADER_SEED + "{{ X }}{{ W }}{{ Y }}{{ Bias }}{{ kernel.size(X, 7) }}")
    assert run_cli("check", str(path)).returncode == 0
    assert run_cli("check", "--fail-on", "warning", str(path)).returncode == 1


def test_inline_suppression(tmp_path: Path) -> None:
    path = tmp_path / "bad.hip.jinja"
    path.write_text(BROKEN_ARITY.replace("{}\n", "{} {# rocm-lsp: ignore[RL201] #}\n"))
    proc = run_cli("check", str(path))
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == b""


def test_pyproject_settings_apply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.rocm-lsp]\nignore = ["RL201"]\nbogus = 1\n')
    (tmp_path / "bad.hip.jinja").write_text(BROKEN_ARITY)
    proc = run_cli("check", "bad.hip.jinja", cwd=tmp_path)
    assert proc.returncode == 0
    assert "unknown rocm-lsp setting 'bogus'" in proc.stderr.decode()


def test_bad_input_gives_a_message_never_a_traceback(tmp_path: Path) -> None:
    files = {
        "binary.hip.jinja": bytes(range(256)) * 4,
        "nul.hip.jinja": b"{{ X }}\x00",
        "latin1.hip.jinja": "caf\xe9 {{ X }}".encode("latin-1"),
        "empty.hip.jinja": b"",
        "half_header.hip.jinja": b'{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [',
        "big.hip.jinja": (HEADER_SEED + "{{ X }}{{ W }}{{ Y }}{{ Bias }}\n" + "// pad\n" * 700_000).encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    proc = run_cli("check", "--output-format", "json", str(tmp_path))
    assert b"Traceback" not in proc.stderr
    records = {Path(r["filename"]).name: r for r in json.loads(proc.stdout)}
    assert records["binary.hip.jinja"]["code"] == "RL100"
    assert records["nul.hip.jinja"]["code"] == "RL100"
    assert records["latin1.hip.jinja"]["code"] == "RL100"
    assert records["big.hip.jinja"]["code"] == "RL100"
    assert records["empty.hip.jinja"]["code"] == "RL108"
    assert records["half_header.hip.jinja"]["code"] in ("RL101", "RL110")
    assert proc.returncode == 1


def test_cli_choice_lists_match_the_engine() -> None:
    from rocm_lsp.cli import FORMAT_NAMES, PROFILE_NAMES
    from rocm_lsp.core.model.profiles import all_names
    from rocm_lsp.report_formats import FORMATS

    assert all_names() == PROFILE_NAMES
    assert sorted(FORMATS) == list(FORMAT_NAMES)


def test_start_up_turns_the_collector_off_then_back_to_how_it_was() -> None:
    from rocm_lsp.cli import _starting

    frozen = gc.get_freeze_count()
    with _starting(own_process=False):
        during = gc.isenabled()
    assert (during, gc.isenabled(), gc.get_freeze_count()) == (False, True, frozen)
    gc.disable()
    try:
        with _starting(own_process=False):
            pass
        assert not gc.isenabled()  # a caller's disabled collector stays disabled
    finally:
        gc.enable()


def test_check_in_its_own_process_freezes_what_start_up_loaded(tmp_path: Path) -> None:
    path = tmp_path / "k.hip.jinja"
    path.write_text(HEADER_SEED + "{{ X }}\n")
    probe = (
        "import gc, sys\n"
        "from rocm_lsp.cli import main\n"
        "sys.argv = ['rocm-lsp', 'check', '--no-cache', sys.argv[1]]\n"
        "code = main()\n"  # argv None: this process is the command
        "loaded = gc.get_freeze_count()\n"
        "main(sys.argv[1:])\n"  # argv given: a caller's process, left as it was
        "print(code, loaded > 20_000, gc.get_freeze_count() == loaded, gc.isenabled())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, timeout=120, check=False
    )
    assert proc.stdout.decode().splitlines()[-1].split() == ["0", "True", "True", "True"], (
        proc.stderr.decode()
    )

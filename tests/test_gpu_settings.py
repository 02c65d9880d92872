"""``GpuSettings``: one parser (``core.workspace.config.gpu_from_mapping``) for the editor's
settings, ``[tool.rocm-lsp]`` and the CLI's flags; typed values, warnings instead of exceptions."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from rocm_lsp import cli
from rocm_lsp.core.workspace.config import (
    BENCHMARK_TIMEOUT_S,
    COMPILE_TIMEOUT_S,
    GPU_KEYS,
    GpuSettings,
    Settings,
    from_mapping,
    gpu_from_mapping,
    load_pyproject,
)
from rocm_lsp.lsp.features import configuration

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "templates" / "gemm_bias_fp16.hip.jinja"


def test_every_key_gets_its_type() -> None:
    gpu = gpu_from_mapping(
        {
            "compiler": " /opt/rocm/bin/hipcc ",
            "arch": "gfx942",
            "benchmarkInterpreter": "/opt/torch/bin/python",
            "compileTimeout": 30,
            "benchmarkTimeout": 600.5,
        }
    )
    assert gpu == GpuSettings("/opt/rocm/bin/hipcc", "gfx942", "/opt/torch/bin/python", 30.0, 600.5)
    assert isinstance(gpu.compile_timeout, float)
    assert gpu.warnings == gpu.errors == ()


@pytest.mark.parametrize("key", ["compiler", "arch", "benchmarkInterpreter"])
def test_a_list_is_refused_not_turned_into_its_repr(key: str) -> None:
    gpu = gpu_from_mapping({key: ["-x", "cu"]})
    assert gpu == GpuSettings()  # not "['-x', 'cu']"
    assert len(gpu.warnings) == 1 and gpu.warnings[0].startswith(f"{key}: expected ")
    assert gpu.warnings[0].endswith("got ['-x', 'cu']") and gpu.errors == gpu.warnings


@pytest.mark.parametrize("value", ["30", -1, float("inf"), float("nan"), True, [30], {"s": 1}, 10**400])
@pytest.mark.parametrize("key", ["compileTimeout", "benchmarkTimeout"])
def test_a_bad_timeout_warns_and_keeps_the_default(key: str, value: object) -> None:
    gpu = gpu_from_mapping({key: value})
    assert (gpu.compile_timeout, gpu.benchmark_timeout) == (COMPILE_TIMEOUT_S, BENCHMARK_TIMEOUT_S)
    assert gpu.warnings == gpu.errors
    assert len(gpu.errors) == 1 and gpu.errors[0].startswith(f"{key}: expected a positive number of seconds")


def test_a_bad_value_keeps_the_base_value() -> None:
    base = GpuSettings(arch="sm_90", compile_timeout=5.0)
    gpu = gpu_from_mapping({"arch": 90, "compileTimeout": -5}, base)
    assert (gpu.arch, gpu.compile_timeout) == ("sm_90", 5.0) and len(gpu.errors) == 2


@pytest.mark.parametrize(
    ("keys", "empty"),
    [(("compiler", "arch", "benchmarkInterpreter"), e) for e in (None, "", "  ")]
    + [(("compileTimeout", "benchmarkTimeout"), e) for e in (None, 0, 0.0)],
)
def test_empty_values_mean_the_default_silently(keys: tuple[str, ...], empty: object) -> None:
    gpu = gpu_from_mapping(dict.fromkeys(keys, empty), GpuSettings("nvcc", "sm_90", "python3", 1.0, 2.0))
    assert gpu.warnings == ()
    for key in keys:
        assert getattr(gpu, GPU_KEYS[key]) == getattr(GpuSettings(), GPU_KEYS[key])


def test_an_unknown_key_warns_and_changes_nothing() -> None:
    gpu = gpu_from_mapping({"compilerFlags": ["-O0"], "arch": "gfx90a"})
    assert gpu == GpuSettings(arch="gfx90a")
    assert gpu.warnings == ("unknown rocm-lsp setting 'compilerFlags'",) and gpu.errors == ()


def test_kebab_and_snake_case_name_the_same_settings() -> None:
    gpu = gpu_from_mapping({"compile-timeout": 9, "benchmark_timeout": 8, "benchmark-interpreter": "py"})
    assert gpu == GpuSettings(benchmark_interpreter="py", compile_timeout=9.0, benchmark_timeout=8.0)


def test_the_settings_mapping_routes_gpu_keys_and_reports_their_problems() -> None:
    settings = from_mapping({"profile": "seed", "arch": "gfx942", "compileTimeout": "soon", "bogus": 1})
    assert settings.profile == "seed" and settings.gpu == GpuSettings(arch="gfx942")
    assert settings.warnings == (
        "unknown rocm-lsp setting 'bogus'",
        "compileTimeout: expected a positive number of seconds (0: the default), got 'soon'",
    )
    assert settings.errors == settings.warnings[1:]
    assert settings.gpu.warnings == ()  # reported once, by the Settings


def test_the_server_reads_the_editor_settings_into_gpu_settings() -> None:
    logged: list[str] = []
    server = SimpleNamespace(settings=Settings(), log_warning=logged.append)
    options = {
        "compiler": "/usr/local/bin/nvcc",
        "compileTimeout": -3,
        "interpreter": "/x/python",
        "trace": "off",
    }
    configuration.apply(server, options)  # type: ignore[arg-type]
    assert server.settings.gpu == GpuSettings(compiler="/usr/local/bin/nvcc")
    assert logged == [
        "rocm-lsp: compileTimeout: expected a positive number of seconds (0: the default), got -3"
    ]


def test_pyproject_gives_arch_and_timeouts_but_never_a_program(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.rocm-lsp]\narch = "gfx942"\ncompile-timeout = 45\ncompiler = "./evil.sh"\n'
        'benchmarkInterpreter = "./evil.py"\n'
    )
    settings = load_pyproject(tmp_path)
    assert settings.gpu == GpuSettings(arch="gfx942", compile_timeout=45.0)
    assert settings.errors == ()
    assert [w.split(":")[0] for w in settings.warnings] == ["compiler", "benchmarkInterpreter"]
    assert "a project file may not choose the program rocm-lsp runs" in settings.warnings[0]


def test_cli_flags_go_over_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.rocm-lsp]\narch = "gfx942"\nbenchmarkTimeout = 50\n')
    monkeypatch.chdir(tmp_path)
    args = cli._parser().parse_args(["bench", str(TEMPLATE), "--python", "py", "--arch", "sm_90"])
    assert cli._gpu_settings(args) == GpuSettings(
        arch="sm_90", benchmark_interpreter="py", benchmark_timeout=50.0
    )
    args = cli._parser().parse_args(["compile", str(TEMPLATE), "--compiler", "nvcc"])
    assert cli._gpu_settings(args) == GpuSettings(compiler="nvcc", arch="gfx942", benchmark_timeout=50.0)


def test_cli_says_which_flag_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["bench", str(TEMPLATE), "--timeout", "-1"]) == cli.EXIT_USAGE
    assert capsys.readouterr().err == (
        "error: --timeout: expected a positive number of seconds (0: the default), got -1.0\n"
    )


def test_cli_stops_on_an_invalid_pyproject_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.rocm-lsp]\ncompileTimeout = -2\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["compile", "--check-only", str(TEMPLATE)]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.startswith("error: [tool.rocm-lsp] compileTimeout: expected a positive")

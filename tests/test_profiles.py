"""Which profile is in force and why; what each profile carries (docs/profiles.md)."""

from __future__ import annotations

from pathlib import Path

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.features.hover import hover_at
from rocm_lsp.core.model.profiles import PROFILES, canonical_profile, profile_for_torch
from rocm_lsp.core.workspace.torch_tree import ProfileChoice, declared_torch_version, python_profile
from rocm_lsp.gpu.toolchain import Toolchain, flags

MODULE = Path("torch/_inductor/codegen/rocm/ck_universal_gemm_template.py")


def _tree(root: Path, version_py: str | None = None, version_txt: str | None = None) -> Path:
    module = root / MODULE
    module.parent.mkdir(parents=True)
    module.write_text("class CKGemmTemplate: pass\n")
    if version_py is not None:
        (root / "torch" / "version.py").write_text(version_py)
    if version_txt is not None:
        (root / "version.txt").write_text(version_txt)
    return module


def test_an_installed_torch_declares_its_version_in_version_py(tmp_path: Path) -> None:
    module = _tree(
        tmp_path, "from typing import Optional\n__version__ = '2.15.0+rocm6.4'\ngit_version = 'x'\n"
    )
    where = tmp_path / "torch" / "version.py"
    assert declared_torch_version(module) == ("2.15.0+rocm6.4", where)
    assert python_profile(module, None) == ProfileChoice("rocm-2.15", f"torch 2.15.0+rocm6.4, from {where}")


def test_an_unbuilt_checkout_declares_it_in_version_txt(tmp_path: Path) -> None:
    module = _tree(tmp_path, version_txt="2.13.0a0\n")
    where = tmp_path / "version.txt"
    assert python_profile(module, None) == ProfileChoice("rocm-2.13", f"torch 2.13.0a0, from {where}")


def test_the_setting_wins_and_unknown_versions_fall_back_to_the_newest(tmp_path: Path) -> None:
    module = _tree(tmp_path, "__version__ = '2.9.1'\n")
    assert python_profile(module, "rocm-2.14") == ProfileChoice("rocm-2.15", "from the profile setting")
    assert python_profile(module, None) == ProfileChoice(
        "rocm-2.15", f"torch 2.9.1 ({tmp_path / 'torch' / 'version.py'}) has no profile; the newest applies"
    )
    outside = tmp_path / "elsewhere.py"
    assert python_profile(outside, None).reason == "no torch tree around the file; the newest profile applies"


def test_a_version_file_is_read_as_text_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    module = _tree(tmp_path, f"open({str(marker)!r}, 'w')\n__version__ = '2.13.1'\n")
    assert python_profile(module, None).name == "rocm-2.13"
    assert not marker.exists()


def test_aliases_and_torch_versions_resolve_to_one_profile() -> None:
    assert canonical_profile("rocm-2.14") == "rocm-2.15" and canonical_profile("rocm-2.12") is None
    assert [profile_for_torch(v) for v in ("2.13.0", "2.14.1", "2.15.0a0+gitabc", "2.16.0", "x")] == [
        "rocm-2.13",
        "rocm-2.15",
        "rocm-2.15",
        None,
        None,
    ]


HEADER = (
    '{{#- rocm-lsp\n{profile}[nodes]\nX = {{ dtype = "{dtype}", size = [8] }}\n-#}}\n'
    "{{{{ kernel }}}}{{{{ X }}}}\n"
)


def test_a_header_alias_means_the_canonical_profile_and_hover_says_why() -> None:
    text = HEADER.format(profile='profile = "rocm-2.14"\n', dtype="bcomplex32")
    analysis = analyze(text)
    assert (analysis.profile, analysis.profile_reason) == ("rocm-2.15", "from the header")
    assert analysis.diagnostics == []  # bcomplex32 exists in torch 2.14+
    hover = hover_at(analysis, text.index("{{ kernel") + 4)
    assert hover is not None and hover.markdown.startswith(
        "**kernel**: the rocm-2.15 template kernel (torch 2.14/2.15; from the header); hooks: "
    )


def test_bcomplex32_does_not_exist_before_torch_2_14() -> None:
    text = HEADER.format(profile='profile = "rocm-2.13"\n', dtype="bcomplex32")
    found = [(d.code, d.message) for d in analyze(text).diagnostics if d.code == "RL104"]
    why = "dtype bcomplex32 does not exist in torch 2.13 (profile rocm-2.13); profiles that have it: "
    assert found == [("RL104", why + "rocm-2.15")]
    default = analyze(HEADER.format(profile="", dtype="float16"))
    assert (default.profile, default.profile_reason) == ("seed", "the default: the header names no profile")
    overridden = analyze(HEADER.format(profile="", dtype="float16"), "rocm-2.13")
    assert (overridden.profile, overridden.profile_reason) == ("rocm-2.13", "from the profile setting")


def test_each_profile_compiles_with_its_torchs_rocm_flags() -> None:
    tool = Toolchain("amd", "hipcc", "gfx942", "HIP 6.4", "setting")
    dropped = ["-mllvm", "-amdgpu-early-inline-all=true", "-mllvm", "-amdgpu-function-calls=false"]
    for name in ("seed", "rocm-2.13"):
        command = flags(tool, "so", PROFILES[name].amd_compile_flags)
        assert " ".join(dropped) in " ".join(command), name
    newest = flags(tool, "so", PROFILES["rocm-2.15"].amd_compile_flags)
    assert "-amdgpu-early-inline-all=true" not in newest and "-amdgpu-function-calls=false" not in newest
    assert newest[newest.index("-fvisibility=hidden") + 1 :][:2] == ["-mllvm", "-enable-post-misched=0"]


def test_every_hook_method_has_a_spec() -> None:
    """The hooks' argument binding (``kernel._binding_error``) reads each hook's spec."""
    import inspect

    for profile in PROFILES.values():
        hooks = {n for n, f in inspect.getmembers(profile.kernel_class) if getattr(f, "is_hook", False)}
        assert hooks == set(profile.hooks), profile.name

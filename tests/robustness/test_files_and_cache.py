"""Hostile workspaces: special files, deep trees, a forged or hijacked check cache, invalid
settings, control characters in findings and a file the engine fails on.

Each is run through ``rocm-lsp check`` / ``render`` as a user would (a subprocess, or
``cli.main`` in-process where the engine must be made to fail) and at the function level.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rocm_lsp import cli
from rocm_lsp.core.diagnostics import Diagnostic, Severity
from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.text import LineIndex, Span
from rocm_lsp.core.workspace import check
from rocm_lsp.core.workspace.cache import CheckCache, cache_base, default_dir, parse_entry
from rocm_lsp.core.workspace.check import FileReport, check_file, discover, module_reader
from rocm_lsp.core.workspace.config import Settings, from_mapping, load_pyproject
from rocm_lsp.core.workspace.files import NotRegularFile, read_capped, read_text_file
from rocm_lsp.report_formats import FORMATS, concise, github, printable, sarif

REPO = Path(__file__).resolve().parents[2]
BROKEN = """{#- rocm-lsp
[nodes]
X = { dtype = "float16", size = [64, 64] }
W = { dtype = "float16", size = [64, 64] }
Y = { dtype = "float16", size = [64, 64] }
-#}
{{kernel.def_kernel(inputs=[X, W], outputs=[Y], names_str="X, Y")}} {}
"""
CLEAN = BROKEN.replace('names_str="X, Y"', 'names_str="X, W, Y"')
HOSTILE = BROKEN.replace(" {}\n", ' {\n{% set _ = kernel["calls"].append(1) %}\n}\n')
ESC = "\x1b[2J\rAll checks passed"
CONTROLS = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n"}


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment with the user cache under ``tmp_path`` and no cache override."""
    env = {k: v for k, v in os.environ.items() if k != "ROCM_LSP_CACHE_DIR"}
    return {**env, "XDG_CACHE_HOME": str(tmp_path / "xdg"), **extra}


def _cli(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "rocm_lsp", *args],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def _finishes(job: Callable[[], Any], seconds: float = 20.0) -> Any:
    """``job()``'s result, failing (not hanging) if it blocks, as a read from a FIFO would."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = job()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            out["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "blocked"
    if "error" in out:
        raise out["error"]
    return out["value"]


def _no_internal_error(proc: subprocess.CompletedProcess[bytes]) -> None:
    assert b"internal error" not in proc.stderr and b"Traceback" not in proc.stderr, proc.stderr


# -- A. only regular files are read, and at most cap + 1 bytes -----------------------------------------


@pytest.fixture
def specials(tmp_path: Path) -> dict[str, Path]:
    """FIFOs, devices and links to them, each named like a template."""
    os.mkfifo(tmp_path / "fifo.hip.jinja")
    (tmp_path / "zero.hip.jinja").symlink_to("/dev/zero")
    (tmp_path / "linked_fifo.hip.jinja").symlink_to(tmp_path / "fifo.hip.jinja")
    return {
        "fifo": tmp_path / "fifo.hip.jinja",
        "link to /dev/zero": tmp_path / "zero.hip.jinja",
        "link to a fifo": tmp_path / "linked_fifo.hip.jinja",
        "/dev/null": Path("/dev/null"),
    }


SAYS = {
    "fifo": "not a regular file: it is a FIFO (named pipe)",
    "link to /dev/zero": "not a regular file: it is a symbolic link to a character device",
    "link to a fifo": "not a regular file: it is a symbolic link to a FIFO (named pipe)",
    "/dev/null": "not a regular file: it is a character device",
}


@pytest.mark.parametrize("kind", list(SAYS))
def test_special_files_are_refused_without_blocking(kind: str, specials: dict[str, Path]) -> None:
    path = specials[kind]
    assert _finishes(lambda: read_text_file(path)) == (None, SAYS[kind])
    with pytest.raises(NotRegularFile):
        _finishes(lambda: read_capped(path, 10))
    report = _finishes(lambda: check_file(path))
    assert [(d.code, d.message) for d in report.diagnostics] == [("RL100", SAYS[kind])]


def test_a_socket_and_a_directory_are_refused(tmp_path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "s.hip.jinja"))
    except OSError:  # a path too long for AF_UNIX
        pytest.skip("cannot bind a socket here")
    try:
        assert read_text_file(tmp_path / "s.hip.jinja") == (None, "not a regular file: it is a socket")
    finally:
        server.close()
    assert read_text_file(tmp_path) == (None, "not a regular file: it is a directory")


def test_a_link_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.hip.jinja").write_text(CLEAN)
    (tmp_path / "link.hip.jinja").symlink_to(tmp_path / "real.hip.jinja")
    assert read_text_file(tmp_path / "link.hip.jinja") == (CLEAN, None)
    assert check_file(tmp_path / "link.hip.jinja").diagnostics == ()


def test_at_most_cap_plus_one_bytes_are_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.hip.jinja"
    with huge.open("wb") as f:
        f.truncate(1 << 30)  # sparse: 1 GiB that would be read whole before
    data, size = read_capped(huge, 1000)
    assert len(data) == 1001 and size == 1 << 30
    text, problem = read_text_file(huge)
    assert text is None and problem == "file is 1073.7 MB; templates above 4 MiB are not analysed"
    with pytest.raises(NotRegularFile):
        read_capped(tmp_path, 10)
    (tmp_path / "link").symlink_to(huge)
    with pytest.raises(NotRegularFile, match="symbolic link"):
        read_capped(tmp_path / "link", 10, follow_symlinks=False)


def test_neighbour_modules_that_are_special_files_are_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo_base.py")
    (tmp_path / "zero_base.py").symlink_to("/dev/zero")
    (tmp_path / "real_base.py").write_text("X = 1\n")
    read = module_reader(tmp_path / "kernel.py")
    assert _finishes(lambda: read(".fifo_base")) is None
    assert _finishes(lambda: read(".zero_base")) is None
    assert read(".real_base") == "X = 1\n"
    module = tmp_path / "kernel.py"
    module.write_text("from .fifo_base import A\nfrom .zero_base import B\n")
    _finishes(lambda: check_file(module))


def test_discover_skips_special_modules_and_keeps_special_templates(
    tmp_path: Path, specials: dict[str, Path]
) -> None:
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    (tmp_path / "ok.hip.jinja").write_text(CLEAN)
    found = _finishes(lambda: list(discover([tmp_path])))
    assert [p.name for p in found] == [
        "fifo.hip.jinja",
        "linked_fifo.hip.jinja",
        "ok.hip.jinja",
        "zero.hip.jinja",
    ]


def test_cli_check_reports_special_files_and_goes_on(tmp_path: Path, specials: dict[str, Path]) -> None:
    (tmp_path / "ok.hip.jinja").write_text(CLEAN)
    os.mkfifo(tmp_path / "fifo.py")
    proc = _cli(
        "check", "--output-format", "json", str(tmp_path), "/dev/null", cwd=tmp_path, env=_env(tmp_path)
    )
    assert proc.returncode == 1, proc.stderr
    _no_internal_error(proc)
    rows = {Path(r["filename"]).name: (r["code"], r["message"]) for r in json.loads(proc.stdout)}
    assert rows == {
        "fifo.hip.jinja": ("RL100", SAYS["fifo"]),
        "linked_fifo.hip.jinja": ("RL100", SAYS["link to a fifo"]),
        "zero.hip.jinja": ("RL100", SAYS["link to /dev/zero"]),
        "null": ("RL100", SAYS["/dev/null"]),
    }


@pytest.mark.parametrize("kind", list(SAYS))
def test_cli_render_refuses_special_files(kind: str, specials: dict[str, Path], tmp_path: Path) -> None:
    proc = _cli("render", str(specials[kind]), cwd=tmp_path, env=_env(tmp_path))
    assert proc.returncode == 1 and proc.stdout == b""
    assert proc.stderr.decode().endswith(f":1:1: RL100 {SAYS[kind]}\n")


DEPTH = 1500


@pytest.fixture
def deep_tree(tmp_path: Path) -> Iterator[Path]:
    """``tmp_path/tree/d/d/…/d`` 1,500 levels deep (a template at the bottom and one at the top),
    made and removed through directory descriptors (``os.makedirs`` and ``shutil.rmtree``
    recurse once per level)."""
    top = tmp_path / "tree"
    top.mkdir()
    (top / "top.hip.jinja").write_text(CLEAN)
    fds = [os.open(top, os.O_RDONLY | os.O_DIRECTORY)]
    try:
        for _ in range(DEPTH):
            os.mkdir("d", dir_fd=fds[-1])
            fds.append(os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fds[-1]))
        bottom = os.open("deep.hip.jinja", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fds[-1])
        os.write(bottom, BROKEN.encode())
        os.close(bottom)
        yield top
    finally:
        if len(fds) > 1:
            try:
                os.unlink("deep.hip.jinja", dir_fd=fds[-1])
            except FileNotFoundError:
                pass
        while len(fds) > 1:
            os.close(fds.pop())
            os.rmdir("d", dir_fd=fds[-1])
        os.close(fds.pop())


def test_discover_stops_at_the_depth_limit_with_one_warning(deep_tree: Path) -> None:
    warnings: list[str] = []
    found = list(discover([deep_tree], warn=warnings.append))
    assert found == [deep_tree / "top.hip.jinja"]
    assert len(warnings) == 1 and f"more than {check.MAX_DEPTH} levels deep" in warnings[0]


def test_cli_check_on_a_deep_tree_warns_and_reports(deep_tree: Path, tmp_path: Path) -> None:
    proc = _cli("check", str(deep_tree), cwd=tmp_path, env=_env(tmp_path))
    _no_internal_error(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(b"rocm-lsp: warning: ") == 1 and b"levels deep are not searched" in proc.stderr
    assert b"All checks passed (1 file)." in proc.stderr


# -- B. a cache the checkout cannot forge -----------------------------------------------------------------


def test_the_default_cache_is_in_the_user_cache_dir_per_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROCM_LSP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    first, second = default_dir(tmp_path / "a"), default_dir(tmp_path / "b")
    assert first.parent == tmp_path / "xdg" / "rocm-lsp" / "check" == cache_base()
    assert len(first.name) == 16 and first != second
    assert default_dir(tmp_path / "a" / ".." / "a") == first  # the resolved root
    monkeypatch.setenv("ROCM_LSP_CACHE_DIR", str(tmp_path / "env"))
    assert default_dir(tmp_path / "a").parent == tmp_path / "env" / "check"


def test_a_committed_cache_in_the_checkout_is_not_trusted(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    data = BROKEN.encode()
    (checkout / "kernel.hip.jinja").write_bytes(data)
    key = CheckCache(Path("unused")).key(data, None)
    for folder in (".rocm_lsp_cache", ".rocm_lsp_cache/check"):  # the old default and the old override
        forged = checkout / folder / key[:2] / f"{key}.json"
        forged.parent.mkdir(parents=True)
        forged.write_text("[]")  # "no findings": a broken template would pass CI
    proc = _cli("check", "kernel.hip.jinja", cwd=checkout, env=_env(tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert b"RL201" in proc.stdout
    written = {p.relative_to(checkout).as_posix() for p in checkout.rglob("*") if p.is_file()}
    forged = {f"{f}/{key[:2]}/{key}.json" for f in (".rocm_lsp_cache", ".rocm_lsp_cache/check")}
    assert written == {"kernel.hip.jinja", *forged}  # nothing written in the checkout
    assert list((tmp_path / "xdg" / "rocm-lsp" / "check").rglob(f"{key}.json"))  # cached where it belongs


def test_a_symlinked_cache_folder_turns_the_cache_off_with_one_warning(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    base = tmp_path / "cachebase"
    base.mkdir()
    (base / "check").symlink_to(outside)  # committed, when the cache override points into the checkout
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.hip.jinja").write_text(BROKEN.replace("X, Y", f"X, {name}"))
    env = _env(tmp_path, ROCM_LSP_CACHE_DIR=str(base))
    for _ in range(2):
        proc = _cli("check", "a.hip.jinja", "b.hip.jinja", "c.hip.jinja", cwd=tmp_path, env=env)
        assert proc.returncode == 1 and proc.stdout.count(b"RL201") == 3, proc.stderr
        warnings = [line for line in proc.stderr.decode().splitlines() if "warning" in line]
        assert warnings == [
            f"rocm-lsp: warning: the check cache is off for this run: {base / 'check'} is a symbolic link"
        ]
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("link", ["project", "shard"])
def test_symlinks_inside_the_cache_are_refused(link: str, tmp_path: Path) -> None:
    base, outside = tmp_path / "check", tmp_path / "outside"
    outside.mkdir()
    template = tmp_path / "k.hip.jinja"
    template.write_bytes(BROKEN.encode())
    store = CheckCache(base / "0123456789abcdef", owned_from=base)
    key = store.key(BROKEN.encode(), None)
    if link == "project":
        base.mkdir()
        (base / "0123456789abcdef").symlink_to(outside)
    else:
        (base / "0123456789abcdef").mkdir(parents=True)
        (base / "0123456789abcdef" / key[:2]).symlink_to(outside)
        (outside / f"{key}.json").write_text("[]")  # a forged entry behind the link is not read either
    assert [d.code for d in check_file(template, cache=store).diagnostics] == ["RL201"]
    assert not store.usable and store.warning is not None and "is a symbolic link" in store.warning
    assert [p.name for p in outside.iterdir()] == ([] if link == "project" else [f"{key}.json"])


def test_an_entry_that_is_a_symlink_is_not_followed(tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "c")
    data = BROKEN.encode()
    key = store.key(data, None)
    (tmp_path / "forged.json").write_text("[]")
    (tmp_path / "c" / key[:2]).mkdir(parents=True)
    (tmp_path / "c" / key[:2] / f"{key}.json").symlink_to(tmp_path / "forged.json")
    assert store.get(key, len(BROKEN)) is None
    (tmp_path / "k.hip.jinja").write_bytes(data)
    assert [d.code for d in check_file(tmp_path / "k.hip.jinja", cache=store).diagnostics] == ["RL201"]
    assert not (tmp_path / "c" / key[:2] / f"{key}.json").is_symlink()  # replaced by the real entry
    assert (tmp_path / "forged.json").read_text() == "[]"


GOOD_RECORD = {"code": "RL201", "severity": 3, "message": "m", "span": [0, 1], "related": []}
MALFORMED = {
    "not json": b"{",
    "not a list": b'{"code": "RL201"}',
    "unknown code": json.dumps([{**GOOD_RECORD, "code": "RLX"}]).encode(),
    "code not a string": json.dumps([{**GOOD_RECORD, "code": 201}]).encode(),
    "bad severity": json.dumps([{**GOOD_RECORD, "severity": 7}]).encode(),
    "bool severity": json.dumps([{**GOOD_RECORD, "severity": True}]).encode(),
    "message not a string": json.dumps([{**GOOD_RECORD, "message": ["x"]}]).encode(),
    "span past the file": json.dumps([{**GOOD_RECORD, "span": [0, 10**9]}]).encode(),
    "negative span": json.dumps([{**GOOD_RECORD, "span": [-1, 0]}]).encode(),
    "reversed span": json.dumps([{**GOOD_RECORD, "span": [5, 1]}]).encode(),
    "span of strings": json.dumps([{**GOOD_RECORD, "span": ["0", "1"]}]).encode(),
    "span of floats": json.dumps([{**GOOD_RECORD, "span": [0.0, 1.0]}]).encode(),
    "missing field": json.dumps([{k: v for k, v in GOOD_RECORD.items() if k != "related"}]).encode(),
    "extra field": json.dumps([{**GOOD_RECORD, "x": 1}]).encode(),
    "bad related": json.dumps([{**GOOD_RECORD, "related": [{"span": [0, 1]}]}]).encode(),
    "related span past the file": json.dumps(
        [{**GOOD_RECORD, "related": [{"span": [0, 10**9], "message": "r"}]}]
    ).encode(),
    "deep nesting": b"[" * 100000 + b"]" * 100000,
}


def test_a_well_formed_entry_is_accepted() -> None:
    (d,) = parse_entry([GOOD_RECORD], 1)
    assert (d.code, d.severity, d.message, d.span) == ("RL201", Severity.ERROR, "m", Span(0, 1))


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_entry_is_ignored_and_rewritten(name: str, tmp_path: Path) -> None:
    store = CheckCache(tmp_path / "c")
    template = tmp_path / "k.hip.jinja"
    template.write_text(BROKEN)
    key = store.key(BROKEN.encode(), None)
    entry = tmp_path / "c" / key[:2] / f"{key}.json"
    entry.parent.mkdir(parents=True)
    entry.write_bytes(MALFORMED[name])
    assert store.get(key, len(BROKEN)) is None
    fresh = check_file(template)
    assert check_file(template, cache=store).diagnostics == fresh.diagnostics and store.usable
    assert store.get(key, len(BROKEN)) == list(fresh.diagnostics)  # rewritten


def test_a_malformed_entry_then_sarif_output(tmp_path: Path) -> None:
    env = _env(tmp_path)
    (tmp_path / "kernel.hip.jinja").write_text(BROKEN)
    data = BROKEN.encode()
    key = CheckCache(Path("unused")).key(data, None)
    proc = _cli("check", "kernel.hip.jinja", cwd=tmp_path, env=env)  # where does the cache live?
    (entry,) = (tmp_path / "xdg").rglob(f"{key}.json")
    entry.write_text(json.dumps([{**GOOD_RECORD, "code": "RLX", "severity": 9, "span": [0, 10**9]}]))
    proc = _cli("check", "--output-format", "sarif", "kernel.hip.jinja", cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stderr
    _no_internal_error(proc)
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["RL201"]
    assert json.loads(entry.read_text())[0]["code"] == "RL201"  # rewritten


def test_the_writers_survive_malformed_findings() -> None:
    odd = Diagnostic("RLX", 9, "m\x1b", Span("a", None))  # type: ignore[arg-type]
    report = FileReport(Path("k.hip.jinja"), LineIndex("x\n"), (odd,))
    for name, write in FORMATS.items():
        out = write([report])
        assert "RLX" in out, name
    assert json.loads(sarif([report]))["runs"][0]["results"][0]["level"] == "error"
    assert concise([report]) == "k.hip.jinja:1:1: RLX m\\x1b\n"


# -- C. typed [tool.rocm-lsp] -----------------------------------------------------------------------------

PROFILES_LISTED = '"seed", "rocm-2.13", "rocm-2.15", "rocm-2.14"'

INVALID = [
    ("select = 5", "select: expected a list of rule codes or prefixes", "got 5"),
    ("select = [5]", "select: expected a list of rule codes or prefixes", "got 5"),
    ('select = ["RL9"]', "select: expected registered rule codes or prefixes", "got 'RL9'"),
    ('fail-on = "warnings"', 'fail-on: expected one of "error", "warning", "info"', "got 'warnings'"),
    ("fail-on = 3", 'fail-on: expected one of "error", "warning", "info"', "got 3"),
    ("ignore = {a = 1}", "ignore: expected a list of rule codes or prefixes", "got {'a': 1}"),
    ("profile = 3", 'profile: expected one of "seed", "rocm-2.13", "rocm-2.15", "rocm-2.14"', "got 3"),
    (
        'profile = "torch-3"',
        'profile: expected one of "seed", "rocm-2.13", "rocm-2.15", "rocm-2.14"',
        "got 'torch-3'",
    ),
    ('severity = "x"', "severity: expected a table of CODE = ", "got 'x'"),
    (
        'severity = {RL201 = "fatal"}',
        'severity.RL201: expected one of "error", "warning", "info"',
        "got 'fatal'",
    ),
    ("severity = {RL999 = 'info'}", "severity: expected registered rule codes as keys", "got 'RL999'"),
]


@pytest.mark.parametrize(("line", "expected", "got"), INVALID, ids=[i[0] for i in INVALID])
def test_an_invalid_setting_is_a_usage_error(line: str, expected: str, got: str, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.rocm-lsp]\n{line}\n")
    (tmp_path / "k.hip.jinja").write_text(CLEAN)
    proc = _cli("check", "k.hip.jinja", cwd=tmp_path, env=_env(tmp_path))
    assert proc.returncode == 2 and proc.stdout == b""
    (message,) = proc.stderr.decode().splitlines()
    assert message.startswith(f"error: [tool.rocm-lsp] {expected}") and message.endswith(got), message
    settings = load_pyproject(tmp_path)
    assert len(settings.errors) == 1 and settings.errors[0] in message


def test_a_tool_table_that_is_not_a_table_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool]\nrocm-lsp = "yes"\n')
    proc = _cli("check", str(REPO / "templates"), cwd=tmp_path, env=_env(tmp_path))
    assert proc.returncode == 2 and b"error: [tool.rocm-lsp] expected a table, got 'yes'" in proc.stderr


def test_an_unknown_setting_warns_and_checks(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.rocm-lsp]\nbogus = 1\nfail_on = "warning"\n')
    (tmp_path / "k.hip.jinja").write_text(CLEAN)
    proc = _cli("check", "k.hip.jinja", cwd=tmp_path, env=_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode().splitlines() == [
        "rocm-lsp: warning: unknown rocm-lsp setting 'bogus'",
        "All checks passed (1 file).",
    ]


def test_an_invalid_command_line_code_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "k.hip.jinja").write_text(CLEAN)
    proc = _cli("check", "--ignore", "RL201,XX", "k.hip.jinja", cwd=tmp_path, env=_env(tmp_path))
    assert proc.returncode == 2 and proc.stderr.startswith(b"error: --ignore: expected registered")


@pytest.mark.parametrize(
    "value", [5, None, 1.5, [1, None], {"a": 1}, ["RL1", 2], "RL1,,RL2", object(), b"RL1", True]
)
@pytest.mark.parametrize("key", ["select", "ignore", "fail-on", "fail_on", "profile", "severity", "x"])
def test_from_mapping_never_raises_and_keeps_the_base(key: str, value: Any) -> None:
    base = Settings(select=("RL2",), fail_on=Severity.WARNING)
    settings = from_mapping({key: value}, base)
    if settings.errors:
        assert settings == base and set(settings.errors) <= set(settings.warnings)


def test_valid_settings_are_still_accepted() -> None:
    settings = from_mapping(
        {
            "select": "RL1, rl2",
            "ignore": ["RL201"],
            "fail-on": "info",
            "profile": "seed",
            "severity": {"RL214": "error"},
        }
    )
    assert settings.errors == () and settings.warnings == ()
    assert (
        settings.select == ("RL1", "RL2") and settings.fail_on is Severity.INFO and settings.profile == "seed"
    )


# -- D. control characters never reach the terminal -------------------------------------------------------


def test_printable_escapes_controls() -> None:
    assert printable("a\x1b[2Jb\rc\x7f\x85\u202e\t\x00") == "a\\x1b[2Jb\\rc\\x7f\\x85\\u202e\\t\\x00"
    assert printable("one\ntwo") == "one\\ntwo" and printable("one\ntwo", newlines=True) == "one\ntwo"
    assert printable("größe — ok") == "größe — ok"


def _no_controls(text: str) -> None:
    assert not CONTROLS & set(text), repr(text)


def test_text_formats_escape_paths_and_messages() -> None:
    finding = Diagnostic("RL112", Severity.ERROR, f"raised {ESC}\x85\x9b31m\x7f\nsecond line", Span(0, 1))
    report = FileReport(Path(f"evil{ESC}.hip.jinja"), LineIndex("x\n"), (finding,))
    out = concise([report])
    _no_controls(out.rstrip("\n"))
    assert out == (
        "evil\\x1b[2J\\rAll checks passed.hip.jinja:1:1: RL112 raised \\x1b[2J\\rAll checks passed"
        "\\x85\\x9b31m\\x7f second line\n"
    )
    out = github([report])
    _no_controls(out.rstrip("\n"))
    assert "file=evil\\x1b[2J\\rAll checks passed.hip.jinja" in out and out.count("\n") == 1
    assert out.endswith("::RL112 raised \\x1b[2J\\rAll checks passed\\x85\\x9b31m\\x7f%0Asecond line\n")
    records = json.loads(FORMATS["json"]([report]))
    assert records[0]["message"] == finding.message and records[0]["filename"] == str(report.path)
    assert "\x1b" not in FORMATS["json"]([report]) and "\x1b" not in sarif([report])


@pytest.mark.parametrize("fmt", ["concise", "github"])
def test_cli_check_escapes_a_hostile_file_name(fmt: str, tmp_path: Path) -> None:
    name = f"k{ESC}\x9b\udcff.hip.jinja"
    (tmp_path / name).write_text(BROKEN)
    proc = _cli("check", "--output-format", fmt, ".", cwd=tmp_path, env=_env(tmp_path))
    assert proc.returncode == 1, proc.stderr
    _no_internal_error(proc)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    _no_controls(out.replace("\n", "") + err.replace("\n", ""))
    assert "k\\x1b[2J\\rAll checks passed\\x9b\\xff.hip.jinja" in out


def test_cli_render_escapes_its_findings_but_not_the_cpp(tmp_path: Path) -> None:
    name = f"r{ESC}.hip.jinja"
    (tmp_path / name).write_text(BROKEN)
    proc = _cli("render", name, cwd=tmp_path, env=_env(tmp_path))
    assert proc.returncode == 1
    _no_controls(proc.stderr.decode().replace("\n", ""))
    assert "r\\x1b[2J\\rAll checks passed.hip.jinja:7:" in proc.stderr.decode()
    text = CLEAN + "// \x1b[31m\x9b\x7f\u202e tail\nint end;\n"
    (tmp_path / "c.hip.jinja").write_text(text)
    proc = _cli("render", "c.hip.jinja", cwd=tmp_path, env=_env(tmp_path))
    rendered = analyze(text).rendered
    assert rendered is not None and rendered.text is not None
    assert proc.returncode == 0 and proc.stdout == rendered.text.encode()  # byte for byte
    assert "// \x1b[31m\x9b\x7f\u202e tail\nint end;".encode() in proc.stdout


# -- E. one hostile file does not stop the run ------------------------------------------------------------


def _fail_on_boom(real: Callable[..., Any]) -> Callable[..., Any]:
    def analyze(text: str, profile: str | None = None, static: bool = False, concrete: bool = True) -> Any:
        if "BOOM" in text:
            raise RuntimeError(f"BOOM {ESC}")
        return real(text, profile, static, concrete)

    return analyze


def test_check_file_turns_an_engine_failure_into_rl199(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check, "analyze", _fail_on_boom(check.analyze))
    path = tmp_path / "k.hip.jinja"
    path.write_text(BROKEN + "{# BOOM #}\n")
    store = CheckCache(tmp_path / "c")
    (d,) = check_file(path, cache=store).diagnostics
    assert (d.code, d.severity, d.span) == ("RL199", Severity.ERROR, Span(0, 0))
    assert d.message == f"internal error: RuntimeError: BOOM {ESC} — please report this with the file"
    assert store.get(store.key(path.read_bytes(), None), len(path.read_text())) is None  # not cached
    assert check_file(path, Settings(ignore=("RL199",))).diagnostics == ()


def test_a_python_module_whose_analysis_fails_is_rl199(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("calls")

    monkeypatch.setattr("rocm_lsp.core.pymodules.analyzer.analyze_python", failing)
    module = tmp_path / "kernel.py"
    module.write_text("X = 1\n")
    assert [(d.code, d.message) for d in check_file(module).diagnostics] == [
        ("RL199", "internal error: KeyError: 'calls' — please report this with the file")
    ]


def test_cli_check_reports_rl199_and_every_other_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(check, "analyze", _fail_on_boom(check.analyze))
    monkeypatch.delenv("ROCM_LSP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.hip.jinja").write_text(BROKEN)
    (tmp_path / "b.hip.jinja").write_text(CLEAN + "{# BOOM #}\n")
    (tmp_path / "c.hip.jinja").write_text(CLEAN)
    assert cli.main(["check", "."]) == 1
    out, err = capsys.readouterr()
    assert [line.split(": ")[1].split()[0] for line in out.splitlines()] == ["RL201", "RL199"]
    assert "b.hip.jinja:1:1: RL199 internal error: RuntimeError: BOOM \\x1b[2J\\rAll checks passed" in out
    assert err == "Found 2 errors in 3 files.\n"
    assert cli.main(["check", "--output-format", "sarif", "."]) == 1
    rules = json.loads(capsys.readouterr().out)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["RL199", "RL201"]


def test_the_red_team_template_does_not_stop_the_run(tmp_path: Path) -> None:
    """``kernel["calls"].append(1)`` ended ``check`` with exit 2 and no report at all."""
    (tmp_path / "a_hostile.hip.jinja").write_text(HOSTILE)
    (tmp_path / "b_broken.hip.jinja").write_text(BROKEN)
    proc = _cli("check", "--output-format", "json", ".", cwd=tmp_path, env=_env(tmp_path))
    assert proc.returncode == 1, proc.stderr
    _no_internal_error(proc)
    names = {Path(r["filename"]).name for r in json.loads(proc.stdout)}
    assert "b_broken.hip.jinja" in names


def test_the_check_cache_is_keyed_on_every_part_of_the_core() -> None:
    """An upgrade that changes the header parser or a rule must not replay old findings."""
    from rocm_lsp.core.workspace import cache

    parts = {p.parent.name for p in cache.fingerprinted_sources()}
    assert {"engine", "model", "rules", "pymodules", "workspace", "profiles"} <= parts
    names = {p.name for p in cache.fingerprinted_sources()}
    assert {"header.py", "hook_checks.py", "def_kernel.py", "analysis.py"} <= names
    assert {"jinja2", "sympy", "tree_sitter", "tree_sitter_toml"} <= set(cache.ENGINE_PACKAGES)


def test_the_check_cache_key_changes_when_an_engine_package_is_reinstalled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another version of jinja2 (its entry file rewritten) is another engine: no old findings."""
    import importlib.util

    from rocm_lsp.core.workspace import cache

    entry = tmp_path / "jinja2" / "__init__.py"
    entry.parent.mkdir()
    entry.write_text("__version__ = '1'\n")
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return importlib.util.spec_from_file_location(name, entry) if name == "jinja2" else real(name)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    keys = []
    for version in ("1", "2.0"):
        entry.write_text(f"__version__ = {version!r}\n")
        cache.engine_fingerprint.cache_clear()
        keys.append(cache.CheckCache(tmp_path / "c").key(b"text", None))
    cache.engine_fingerprint.cache_clear()
    assert keys[0] != keys[1]

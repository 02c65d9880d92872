"""No workspace code runs on open, hover or check.

Templates and headers that reach for ``__class__``, ``__globals__``, ``os.system`` or
``import`` get a diagnostic and do nothing else: a sentinel file they try to create never
appears, and no process starts (in-process: ``os.system``/``subprocess`` patched to fail
the test; in the server and the CLI: every way to start a process is replaced before
start-up, see ``conftest.BOOT``). Python modules with top-level side effects are read, never
run. Compile, the one feature that starts a process, does so only on its command. A static
scan keeps ``eval``/``exec``/``compile``/``sympify`` off user text in the server's code.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_session import SPAWN_LOG, boot_command, diagnostics_of, server_problems
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.features.completion import completions_at
from rocm_lsp.core.features.hover import hover_at
from rocm_lsp.core.features.inlay import inlay_hints
from rocm_lsp.core.features.python_hover import hover_python
from rocm_lsp.core.pymodules.analyzer import analyze_python
from rocm_lsp.core.workspace.check import check_file

SERVER = Path(__file__).resolve().parents[2] / "server" / "rocm_lsp"
HEADER = '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = ["s0", 8] }\n[shapes]\ns0 = 4\n-#}\n'
USE_X = '{{ kernel.def_kernel(inputs=[X], outputs=[], names_str="X") }}\n'
# {s}: the sentinel file each attack tries to create
TEMPLATE_ATTACKS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.system('touch {s}') }}",
    "{{ lipsum.__globals__['os'].system('touch {s}') }}",
    "{{ joiner.__init__.__globals__.__builtins__.__import__('os').system('touch {s}') }}",
    "{{ namespace.__init__.__globals__.os.popen('touch {s}').read() }}",
    "{{ kernel.__class__.__init__.__globals__['__builtins__']['open']('{s}', 'w') }}",
    "{{ kernel.def_kernel.__func__.__globals__['os'].system('touch {s}') }}",
    "{{ X.get_name.__globals__['os'].system('touch {s}') }}",
    "{{ X.get_size()[0].__class__.__mro__[-1].__subclasses__() }}",
    "{{ '{0.__class__.__init__.__globals__[os]}'.format(kernel) }}",
    "{{ kernel.rocmlsp_site(0).__dict__ }}",
    "{% import 'os' as os %}{{ os.system('touch {s}') }}",
    "{% from 'subprocess' import run %}{{ run(['touch', '{s}']) }}",
    "{% include '{s}' %}",
    "{% extends '/etc/passwd' %}",
    "{{ self.__init__.__globals__ }}",
    "{% set f = lipsum.__globals__ %}{{ f['os'].system('touch {s}') }}",
]
_IMPORT = "__import__('os')"
_TOUCH = "__import__('os').system('touch {s}')"
HEADER_ATTACKS = [
    '{{#- rocm-lsp\n[nodes]\nX = {{ dtype = "float16", size = ["' + _TOUCH + '"] }}\n-#}}\n',
    '{{#- rocm-lsp\n[nodes]\nX = {{ dtype = "float16", size = [8] }}\n[bench]\n'
    f'reference = "{_TOUCH}"\nflops = "{_IMPORT}.getpid()"\n-#}}}}\n',
    f'{{{{#- rocm-lsp\nprofile = "{_IMPORT}"\n'
    "kernel_name = \"k'); import os; os.system('touch {s}'); ('\"\n"
    f'[nodes]\nX = {{{{ dtype = "{_IMPORT}", size = [8] }}}}\n'
    "[vars]\nv = \"{{{{ lipsum.__globals__.os.system('touch {s}') }}}}\"\n-#}}\n",
]
EVIL_MODULE = """\
import os
open({s!r}, "w").write("the module ran")
os.system("touch " + {s!r} + ".system")
TEMPLATE = "{{{{ a }}}} {{{{ kernel.def_kernel(inputs=[X], outputs=[Y], names_str='X, Y') }}}}"
"""
USER_MODULE = """\
from torch._inductor.codegen.rocm.ck_template import CKTemplate
from .evil import TEMPLATE
__import__("os").system("touch " + {s!r} + ".user")


class T(CKTemplate):
    tmpl = TEMPLATE

    def render(self, kernel, **kwargs):
        return self._template_from_string(self.tmpl).render(kernel=kernel, b=1)
"""


@pytest.fixture
def no_processes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail the test if anything in this process starts a process."""
    started: list[str] = []

    def forbidden(*args: object, **kwargs: object) -> None:
        started.append(repr(args)[:200])
        raise AssertionError(f"a process was started: {args!r:.200}")

    real_fork = os.fork  # before the loop replaces it
    for name in ("system", "popen", "execv", "execve", "execvp", "spawnv", "posix_spawn", "fork"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, forbidden)

    def fork() -> int:  # the render process may fork: a copy of the engine that execs nothing
        if sys._getframe(1).f_globals.get("__name__") == "rocm_lsp.core.engine.render_process":
            return real_fork()
        return forbidden("fork")

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(subprocess.Popen, "_execute_child", forbidden)
    return started


def _everything_on(text: str) -> list[str]:
    """Analyse, render with [shapes], hover/complete at every 7th offset, inlay hints: codes."""
    analysis = analyze(text)
    analysis.concrete()
    for offset in range(0, len(text) + 1, 7):
        hover_at(analysis, offset)
        completions_at(analysis, offset)
    inlay_hints(analysis)
    return [d.code for d in analysis.diagnostics]


@pytest.mark.parametrize("attack", TEMPLATE_ATTACKS)
def test_template_attacks_only_get_a_diagnostic(attack: str, tmp_path: Path, no_processes: list[str]) -> None:
    sentinel = tmp_path / "pwned"
    text = HEADER + USE_X + attack.replace("{s}", str(sentinel)) + "\n"
    codes = _everything_on(text)
    assert {"RL110", "RL111", "RL112", "RL115"} & set(codes), codes
    (tmp_path / "t.hip.jinja").write_text(text)
    check_file(tmp_path / "t.hip.jinja")
    assert not sentinel.exists() and no_processes == []


@pytest.mark.parametrize("attack", HEADER_ATTACKS)
def test_header_attacks_are_data(attack: str, tmp_path: Path, no_processes: list[str]) -> None:
    sentinel = tmp_path / "pwned"
    text = attack.format(s=sentinel) + USE_X + "{{ kernel.size(X, 0) }} {{ v | default('') }}\n"
    _everything_on(text)
    (tmp_path / "t.hip.jinja").write_text(text)
    check_file(tmp_path / "t.hip.jinja")
    assert not sentinel.exists() and no_processes == []


def _python_package(folder: Path, sentinel: Path) -> Path:
    (folder / "evil.py").write_text(EVIL_MODULE.format(s=str(sentinel)))
    user = folder / "user.py"
    user.write_text(USER_MODULE.format(s=str(sentinel)))
    return user


def test_python_modules_with_side_effects_are_read_not_run(tmp_path: Path, no_processes: list[str]) -> None:
    sentinel = tmp_path / "ran"
    user = _python_package(tmp_path, sentinel)
    report = check_file(user)
    # the template, read from evil.py: `a` is never passed, `b` never used
    assert [d.code for d in report.diagnostics] == ["RL501", "RL502"]
    text = user.read_text()
    analysis = analyze_python(text)
    for offset in range(len(text) + 1):
        hover_python(analysis, offset)
    assert list(tmp_path.glob("ran*")) == [] and no_processes == []


def test_cli_check_starts_no_process_and_runs_nothing(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    _python_package(tmp_path, sentinel)
    for i, attack in enumerate(TEMPLATE_ATTACKS):
        (tmp_path / f"t{i}.hip.jinja").write_text(HEADER + USE_X + attack.replace("{s}", str(sentinel)))
    for i, attack in enumerate(HEADER_ATTACKS):
        (tmp_path / f"h{i}.hip.jinja").write_text(attack.format(s=sentinel) + USE_X)
    log = tmp_path / "spawned.log"
    proc = subprocess.run(
        boot_command("check", "--no-cache", str(tmp_path), stderr=tmp_path / "stderr.txt"),
        env={**os.environ, "ROCM_LSP_TEST_SPAWN_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 1, (tmp_path / "stderr.txt").read_text()
    assert "user.py" in proc.stdout and "RL501" in proc.stdout
    assert not log.exists() and list(tmp_path.glob("pwned*")) == []


async def test_the_server_runs_nothing_and_starts_no_process_until_compile(
    guarded: LanguageClient, tmp_path: Path
) -> None:
    client = guarded
    sentinel = tmp_path / "pwned"
    documents = [HEADER + USE_X + a.replace("{s}", str(sentinel)) for a in TEMPLATE_ATTACKS]
    documents += [a.format(s=sentinel) + USE_X for a in HEADER_ATTACKS]
    for i, text in enumerate(documents):
        uri = (tmp_path / f"t{i}.hip.jinja").as_uri()
        item = lsp.TextDocumentItem(uri=uri, language_id="jinja", version=1, text=text)
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
        await diagnostics_of(client, uri, 1)
        doc = lsp.TextDocumentIdentifier(uri)
        for line in range(text.count("\n") + 1):
            for character in (0, 5, 12, 30):
                where = lsp.Position(line, character)
                await client.text_document_hover_async(lsp.HoverParams(doc, where))
        await client.text_document_code_lens_async(lsp.CodeLensParams(doc))
        end = lsp.Position(text.count("\n") + 1, 0)
        await client.text_document_inlay_hint_async(
            lsp.InlayHintParams(doc, lsp.Range(lsp.Position(0, 0), end))
        )
        for command in ("rocm-lsp.preview", "rocm-lsp.render"):
            await client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command=command, arguments=[uri])
            )
    user = _python_package(tmp_path, sentinel)
    item = lsp.TextDocumentItem(uri=user.as_uri(), language_id="python", version=1, text=user.read_text())
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
    assert [str(d.code) for d in await diagnostics_of(client, user.as_uri(), 1)] == ["RL501", "RL502"]
    for line in range(user.read_text().count("\n")):
        hover = lsp.HoverParams(lsp.TextDocumentIdentifier(user.as_uri()), lsp.Position(line, 10))
        await client.text_document_hover_async(hover)
    assert list(tmp_path.glob("pwned*")) == []
    assert not SPAWN_LOG.exists(), SPAWN_LOG.read_text()
    assert server_problems(client) == []
    # The explicit command is the one way to start a process (here: refused, and said so).
    clean = (tmp_path / "clean.hip.jinja").as_uri()
    item = lsp.TextDocumentItem(uri=clean, language_id="jinja", version=1, text=HEADER + USE_X + "{}\n")
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(item))
    message = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="rocm-lsp.compile", arguments=[clean])
    )
    assert SPAWN_LOG.exists()  # it asked hipconfig, then (with nvcc installed) tried nvcc
    assert "this test forbids starting processes" in message or "no HIP compiler found" in message


# -- static: the server's code never evaluates text ----------------------------------------------

EVALUATORS = {"eval", "exec", "compile", "__import__"}
EVALUATING_ATTRIBUTES = {
    "sympify",
    "parse_expr",
    "import_module",
    "run_path",
    "run_module",
    "system",
    "popen",
}
# (file, call) -> why it is allowed
ALLOWED = {
    ("gpu/bench_worker.py", "eval"): "[bench].reference, in the user's benchmark interpreter, on command",
    ("gpu/bench_worker.py", "compile"): "the same expression, compiled for that eval",
    (
        "gpu/py_render_worker.py",
        "import_module",
    ): "torch and the module asked for, in the torch interpreter, on command",
    (
        "gpu/py_render_worker.py",
        "exec",
    ): "the module asked for (its editor text), in the torch interpreter, on command",
    ("gpu/py_render_worker.py", "compile"): "that module's text, compiled for that exec",
}


def _calls(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in EVALUATORS:
                found.append((func.id, node.lineno))
            elif isinstance(func, ast.Attribute) and func.attr in EVALUATING_ATTRIBUTES:
                found.append((func.attr, node.lineno))
            for kw in node.keywords:
                if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    found.append(("shell=", node.lineno))
    return found


def test_no_server_code_evaluates_text_outside_the_sandbox_and_the_benchmark_worker() -> None:
    offenders = []
    for path in sorted(SERVER.rglob("*.py")):
        name = path.relative_to(SERVER).as_posix()
        offenders += [f"{name}:{line} {call}" for call, line in _calls(path) if (name, call) not in ALLOWED]
    assert offenders == []
    assert all(any(c == call for c, _ in _calls(SERVER / name)) for name, call in ALLOWED), "stale allowance"


def test_one_gpu_module_starts_processes_and_nothing_imports_the_worker() -> None:
    starters, importers = [], []
    for path in sorted(SERVER.rglob("*.py")):
        name = path.relative_to(SERVER).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            if any(m.split(".")[0] in ("subprocess", "multiprocessing", "pty") for m in modules):
                starters.append(name)
            if any(m.endswith("bench_worker") for m in modules):
                importers.append(name)
    # check's process pool forks copies of the engine (fork context only, nothing exec'd)
    assert sorted(set(starters)) == ["core/workspace/check.py", "gpu/child.py"]
    pool = (SERVER / "core" / "workspace" / "check.py").read_text()
    assert "import subprocess" not in pool and pool.count("get_context(") == 1
    assert 'get_context("fork")' in pool
    assert importers == []  # it runs only as a script in the user's benchmark interpreter

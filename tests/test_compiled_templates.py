"""The compiled-template cache: the text between Jinja tags is read from a data table, so
templates that differ only there share one compiled code; in memory, and on disk for ``check``."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

from rocm_lsp.core.engine import jinja_env
from rocm_lsp.core.engine.jinja_env import compile_template, environment, skeleton_key, use_code_store
from rocm_lsp.core.workspace.cache import CodeCache

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((REPO / "templates").glob("*.hip.jinja"))

# Every construct whose code generation the data table touches, and some it must not.
CONSTRUCTS = {
    "plain": "int a = 1;\n{{ x }} 'quoted' \"double\" \\n back\\slash é 𝄞\n",
    "constants beside data": "a{{ 'b' }}c{{ 1 + 2 }}d{{ x }}e",
    "empty data between tags": "{{ x }}{{ x }}{% if x %}{% endif %}",
    "whitespace control": "a   {%- if x -%}   b   {%- endif -%}   c\n  {{- x -}}  \n",
    "loops": "{% for i in range(3) %}<{{ i }}>{% else %}none{% endfor %}"
    "{% for i in [] %}x{% else %}empty{% endfor %}",
    "if elif else": "{% if x == 1 %}one{% elif x == 2 %}two{% else %}other{% endif %}",
    "macro and call": "{% macro m(a) %}[{{ a }}|{{ caller() }}]{% endmacro %}"
    "{% call m(1) %}body{% endcall %}",
    "set block and filter block": "{% set b %}in {{ x }} set{% endset %}{{ b }}"
    "{% filter upper %}up {{ x }}{% endfilter %}",
    "autoescape": "{% autoescape true %}<{{ '<&>' }}>&amp;{% endautoescape %}"
    "{% autoescape x %}<{{ '<' }}>{% endautoescape %}",
    "raw": "{% raw %}{{ not a tag }} {% if %}{% endraw %}after",
    "with and namespace": "{% set ns = namespace(n=0) %}{% with y = 2 %}{{ y }} w "
    "{% set ns.n = 3 %}{% endwith %}{{ ns.n }}",
    "blocks": "{% block head %}H {{ x }}{% endblock %} tail",
    "trailing newline": "line\n\n",
}


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    jinja_env._memory.clear()
    use_code_store(None)
    yield
    jinja_env._memory.clear()
    use_code_store(None)


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources Jinja's code generation handed to Python's compiler, in order."""
    seen: list[str] = []
    env = environment()
    original = env._compile

    def counting(source: str, filename: str) -> object:
        seen.append(source)
        return original(source, filename)

    monkeypatch.setattr(env, "_compile", counting)
    return seen


def _ours(text: str, **context: object) -> str:
    template, _ = compile_template(environment().parse(text))
    return template.render(**context)


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_output_equals_jinjas_own_compile(name: str) -> None:
    text = CONSTRUCTS[name]
    for x in (1, 2):
        assert _ours(text, x=x) == environment().from_string(text).render(x=x)


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_a_reused_compile_renders_the_new_text(name: str, compiles: list[str]) -> None:
    text = CONSTRUCTS[name] + "tail"  # the last text between tags, edited below
    _ours(text, x=1)
    edited = text[: -len("tail")] + "TAIL"
    expected = environment().from_string(edited).render(x=1)
    compiled = len(compiles)
    assert _ours(edited, x=1) == expected
    assert len(compiles) == compiled


def test_an_edit_between_tags_compiles_nothing(compiles: list[str]) -> None:
    gemm = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text()
    edited = gemm.replace("__syncthreads();", "__syncthreads(); // synced", 1)
    assert edited != gemm
    first, _ = compile_template(environment().parse(gemm))
    second, _ = compile_template(environment().parse(edited))
    assert len(compiles) == 1
    assert jinja_env.template_code(first) == jinja_env.template_code(second)
    assert jinja_env.template_data(first) != jinja_env.template_data(second)
    assert "__syncthreads(); // synced" in "".join(jinja_env.template_data(second))
    assert "__syncthreads(); // synced" not in compiles[0]  # the C++ is not in the code


def test_an_edit_in_a_tag_compiles_again(compiles: list[str]) -> None:
    base = "a\n{{ x }}\nb {% if x %}c{% endif %}\n"
    keys = [skeleton_key(environment().parse(t)) for t in (base, base.replace("a", "A"), "\n\n" + base)]
    assert keys[0] == keys[1] == keys[2]
    for text in (base, base.replace("{{ x }}", "{{ x + 1 }}"), base.replace("if x", "if not x")):
        compile_template(environment().parse(text))
    assert len(compiles) == 3


def _line_moves(text: str) -> Iterator[str]:
    """The text with lines added or removed: above everything, below its first line, inside its
    first expression, and with its last two lines joined."""
    yield "\n\n" + text
    first = text.index("\n")
    yield text[:first] + "\n\n\n" + text[first:]
    call = text.find("(", text.find("{{"))
    if "{{" in text and call < text.find("}}", text.find("{{")):
        yield text[: call + 1] + "\n  " + text[call + 1 :]
    last = text.rstrip("\n").rindex("\n")
    yield text[:last] + text[last + 1 :]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_a_line_move_reuses_the_code_with_the_new_lines(path: Path, compiles: list[str]) -> None:
    """The code is the same whatever the lines; its line table maps every code line to the
    template line Jinja's own table gives for the moved text."""
    text = path.read_text()
    original, _ = compile_template(environment().parse(text))
    for moved in _line_moves(text):
        ast = environment().parse(moved)
        compiled = len(compiles)
        reused, _ = compile_template(ast)
        assert len(compiles) == compiled
        skeleton = jinja_env._skeleton(ast)
        data_index = {id(node): i for i, node in enumerate(skeleton.data)}
        jinjas = jinja_env._template(jinja_env._generate(ast, data_index, None).code, b"", ())
        assert jinjas.debug_info
        last = max(line for _, line in jinjas.debug_info)
        assert [reused.get_corresponding_lineno(n) for n in range(1, last + 5)] == [
            jinjas.get_corresponding_lineno(n) for n in range(1, last + 5)
        ]
        if moved == "\n\n" + text:
            first = min(line for _, line in original.debug_info)  # before it: line 1, Jinja's default
            assert [reused.get_corresponding_lineno(n) for n in range(first, last + 5)] == [
                original.get_corresponding_lineno(n) + 2 for n in range(first, last + 5)
            ]


def test_a_render_error_moves_with_its_line(compiles: list[str]) -> None:
    from rocm_lsp.core.engine.analysis import analyze

    text = (REPO / "tests" / "fixtures" / "diagnostics" / "RL113_power_too_large.hip.jinja").read_text()
    body = text.index("\n", text.index("-#}"))
    first = analyze(text)
    assert first.rendered is not None and first.rendered.failure is not None
    line = first.rendered.failure.line
    assert line is not None and line > 1
    moved = text[:body] + "\n\n\n" + text[body:]
    compiled = len(compiles)
    second = analyze(moved)
    assert len(compiles) == compiled  # the code of the first text, reused
    assert second.rendered is not None and second.rendered.failure is not None
    assert second.rendered.failure.line == line + 3
    assert [d.span for d in second.diagnostics] != [d.span for d in first.diagnostics]
    jinja_env._memory.clear()
    assert [(d.code, d.message, d.span) for d in analyze(moved).diagnostics] == [
        (d.code, d.message, d.span) for d in second.diagnostics
    ]


def test_a_line_jinja_writes_into_a_message_is_part_of_the_skeleton(compiles: list[str]) -> None:
    """``{{ a if b }}`` without ``else``: Jinja's code names the line ("the inline
    if-expression on line N"), so a line move compiles again and the message follows."""
    for blank_lines in (1, 4):
        text = "\n" * blank_lines + "{{ ('a' if x) + 'b' }}"
        with pytest.raises(jinja2.UndefinedError, match=f"on line {blank_lines + 1} evaluated"):
            _ours(text, x=False)
    assert len(compiles) == 2


def test_names_read_come_with_a_reused_compile() -> None:
    text = "{{ a }} text {% for i in b %}{{ i }}{% endfor %}"
    assert compile_template(environment().parse(text))[1] == {"a", "b"}
    assert compile_template(environment().parse(text.replace("text", "other")))[1] == {"a", "b"}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_shipped_templates_render_the_same_after_an_edit(path: Path) -> None:
    from rocm_lsp.core.engine.analysis import analyze

    text = path.read_text()
    include = text.index("\n", text.index("#include"))
    edited = text[:include] + " /* edited */" + text[include:]
    analyze(text)
    reused = analyze(edited)
    jinja_env._memory.clear()
    fresh = analyze(edited)
    assert reused.rendered is not None and fresh.rendered is not None
    assert reused.rendered.text == fresh.rendered.text
    assert "/* edited */" in (reused.rendered.text or "")
    assert reused.diagnostics == fresh.diagnostics


def test_the_code_store_keeps_compiles_on_disk(tmp_path: Path, compiles: list[str]) -> None:
    store = CodeCache(tmp_path / "compiled")
    use_code_store(store)
    text = "x {{ a }} y\n"
    compile_template(environment().parse(text))
    entries = list((tmp_path / "compiled").rglob("*.marshal"))
    assert len(entries) == 1 and len(compiles) == 1
    jinja_env._memory.clear()
    template, names = compile_template(environment().parse("z {{ a }} w\n"))
    assert len(compiles) == 1 and names == {"a"}
    assert template.render(a=1) == "z 1 w"
    entries[0].write_bytes(b"not marshal data")  # a damaged entry: compiled again
    jinja_env._memory.clear()
    assert compile_template(environment().parse(text))[0].render(a=2) == "x 2 y"
    assert len(compiles) == 2
    code, names = marshal.loads(entries[0].read_bytes())
    assert names == frozenset({"a"}) and code.co_filename == "<template>"


def test_a_read_only_store_writes_nothing(tmp_path: Path) -> None:
    use_code_store(CodeCache(tmp_path / "compiled", writable=False))
    compile_template(environment().parse("x {{ a }}"))
    assert not (tmp_path / "compiled").exists()


def test_a_linked_store_folder_turns_the_store_off(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "compiled").symlink_to(tmp_path / "elsewhere")
    store = CodeCache(tmp_path / "compiled")
    use_code_store(store)
    assert compile_template(environment().parse("x {{ a }}"))[0].render(a=1) == "x 1"
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert store.warning is not None and "symbolic link" in store.warning


def _check(cache: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROCM_LSP_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO / "server")}
    command = [sys.executable, "-m", "rocm_lsp", "check", "--output-format", "json", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


def test_check_after_header_edits_compiles_nothing_new(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for path in TEMPLATES:
        (tree / path.name).write_text(path.read_text())
    cache = tmp_path / "cache"
    first = _check(cache, tree)
    entries = sorted((cache / "compiled").rglob("*.marshal"))
    assert len(entries) >= len(TEMPLATES), first.stderr  # and the render helper's warm-up
    gemm = tree / "gemm_bias_fp16.hip.jinja"
    gemm.write_text(gemm.read_text().replace("BLOCK_K = 32 ", "BLOCK_K = 64 ", 1))  # a header value
    second = _check(cache, tree)
    assert sorted((cache / "compiled").rglob("*.marshal")) == entries
    fresh = _check(tmp_path / "other-cache", tree)
    assert second.stdout == fresh.stdout and second.returncode == fresh.returncode


def test_check_without_cache_writes_no_compiles(tmp_path: Path) -> None:
    _check(tmp_path / "cache", "--no-cache", TEMPLATES[0])
    assert not (tmp_path / "cache" / "compiled").exists()


def test_without_reuse_every_template_compiles_with_its_text(compiles: list[str]) -> None:
    use_code_store(None, reuse=False)  # as `check --no-cache` runs
    for text in ("int a; {{ x }} one", "int a; {{ x }} two"):
        template, names = compile_template(environment().parse(text))
        assert template.render(x=1) == environment().from_string(text).render(x=1) and names == {"x"}
    assert len(compiles) == 4  # ours and the reference's, twice: nothing reused
    assert "one" in compiles[0] and "two" in compiles[2]  # the text is in the code
    assert jinja_env._memory == {}

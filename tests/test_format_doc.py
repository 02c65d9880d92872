"""``docs/template-format.md`` must stay true: its examples, tables and grammar are the code's.

The page marks each example with an HTML comment before its fenced block:

* ``<!-- full template: no findings -->`` before a ``jinja`` block: ``rocm-lsp check``'s engine
  (:func:`rocm_lsp.core.engine.analysis.analyze`) reports nothing for it;
* ``<!-- full template: findings below -->``: it reports exactly the lines of the next ``text``
  block, as ``check`` prints them (file ``example.hip.jinja``);
* ``<!-- render of the template above -->`` / ``<!-- render --static of the template above -->``
  before a ``cpp`` block: ``rocm-lsp render [--static]`` of the last full template prints that
  text (the block adds the one newline a fence needs).

Every ``toml`` block is a header fragment that must read without findings; the dtype table is
the profiles' tables; the size grammar is :mod:`rocm_lsp.core.model.sizes`'s. With a torch oracle
(``bash scripts/setup-oracle.sh``), the rendered outputs are also checked against real torch.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oracle_support import ORACLE_HELP, oracle_python, render_with_torch
from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.core.engine.header import BENCH_KEYS, NODE_KEYS, TOP_LEVEL_KEYS, parse_header
from rocm_lsp.core.model import sizes
from rocm_lsp.core.model.dtypes import DTYPES
from rocm_lsp.core.model.profiles import PROFILES
from rocm_lsp.core.text import LineIndex

DOC = Path(__file__).resolve().parent.parent / "docs" / "template-format.md"
TEXT = DOC.read_text(encoding="utf-8")
_BLOCK = re.compile(r"^(?:<!-- (?P<mark>[^>]*?) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.M | re.S)
FULL = ("full template: no findings", "full template: findings below")


def _blocks() -> list[tuple[str | None, str, str]]:
    return [(m.group("mark"), m.group("lang"), m.group("body")) for m in _BLOCK.finditer(TEXT)]


def _examples() -> list[dict]:
    """Each full template with its claimed report and renders, in page order."""
    out: list[dict] = []
    blocks = _blocks()
    for i, (mark, lang, body) in enumerate(blocks):
        if mark in FULL:
            assert lang == "jinja", f"a full template must be a jinja block: {body[:60]!r}"
            report = None
            if mark == FULL[1]:
                after = blocks[i + 1] if i + 1 < len(blocks) else None
                assert after is not None and after[1] == "text", "findings below: no text block follows"
                report = after[2].splitlines()
            out.append({"source": body, "report": report or [], "renders": {}})
        elif mark and mark.startswith("render"):
            assert out, f"{mark!r} before any full template"
            static = mark.startswith("render --static")
            assert mark in ("render of the template above", "render --static of the template above"), mark
            out[-1]["renders"]["static" if static else "dynamic"] = body
        else:
            assert mark is None or mark == "size grammar", f"unknown example marker {mark!r}"
    return out


EXAMPLES = _examples()


def _report(source: str, static: bool = False) -> tuple[list[str], str | None]:
    analysis = analyze(source, static=static)
    lines = []
    for d in analysis.diagnostics:
        row, col = analysis.index.position(d.span.start)
        lines.append(f"example.hip.jinja:{row + 1}:{col + 1}: {d.code} {d.message.replace(chr(10), ' ')}")
    return lines, analysis.rendered.text if analysis.rendered is not None else None


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 3
    assert any(e["renders"].get("static") for e in EXAMPLES)
    assert any(not e["report"] for e in EXAMPLES) and any(e["report"] for e in EXAMPLES)
    used = {analyze(e["source"]).profile for e in EXAMPLES}
    assert {"seed", "rocm-2.13"} <= used <= set(PROFILES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{i + 1}" for i in range(len(EXAMPLES))])
def test_example_findings_are_what_check_reports(example: dict) -> None:
    found, _ = _report(example["source"])
    assert found == example["report"]


@pytest.mark.parametrize(
    ("example", "mode"),
    [(e, mode) for e in EXAMPLES for mode in e["renders"]],
    ids=[f"example{i + 1}-{mode}" for i, e in enumerate(EXAMPLES) for mode in e["renders"]],
)
def test_rendered_output_is_what_render_prints(example: dict, mode: str) -> None:
    _, text = _report(example["source"], static=mode == "static")
    assert text is not None
    assert text + "\n" == example["renders"][mode]


@pytest.mark.oracle
@pytest.mark.skipif(oracle_python() is None, reason=f"no torch oracle: {ORACLE_HELP}")
def test_rendered_output_is_what_torch_renders(tmp_path: Path) -> None:
    shown = [e for e in EXAMPLES if e["renders"]]
    paths = []
    for i, example in enumerate(shown):
        path = tmp_path / f"example{i + 1}.hip.jinja"
        path.write_text(example["source"], encoding="utf-8")
        paths.append(path)
    python = oracle_python()
    assert python is not None
    for example, recorded in zip(shown, render_with_torch(paths, python)):
        for mode, text in example["renders"].items():
            assert recorded["renders"][mode] == {"result": text[:-1]}, mode


def test_header_fragments_read_without_findings() -> None:
    fragments = [body for mark, lang, body in _blocks() if lang == "toml"]
    assert len(fragments) >= 5
    for body in fragments:
        text = "{#- rocm-lsp\n" + body + "-#}\n"
        header = parse_header(text, LineIndex(text))
        assert header.valid_toml, body
        assert [(d.code, d.message) for d in header.diagnostics] == [], body


def _dtype_table(profile: object) -> dict[str, str]:
    table = getattr(profile, "dtype_table", None)
    return table if table is not None else profile.kernel_class.dtype_table  # type: ignore[attr-defined]


def test_dtype_table_is_the_profiles_tables() -> None:
    """The ``| dtype | `seed` | `rocm-2.13` | …`` table: a column per profile, a row per dtype."""
    head = re.search(r"^\| dtype \|(.+)\|$", TEXT, re.M)
    assert head is not None, "no dtype table"
    columns = [c.strip().strip("`") for c in head.group(1).split("|")]
    assert columns == list(PROFILES), f"the dtype table's columns must be the profiles {list(PROFILES)}"
    rows = {}
    for line in TEXT[head.end() :].splitlines()[2:]:
        if not line.startswith("| `"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1:]
    assert list(rows) == list(DTYPES), (
        "the dtype table's rows must be rocm_lsp.core.model.dtypes.DTYPES, in order"
    )
    for name, cells in rows.items():
        for column, shown in zip(columns, cells):
            real = _dtype_table(PROFILES[column]).get(name)
            assert shown == (f"`{real}`" if real else "—"), f"{name} in {column}"


def test_size_grammar_is_the_parsers() -> None:
    (grammar,) = [body for mark, _, body in _blocks() if mark == "size grammar"]
    documented = sizes.__doc__.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    assert grammar.splitlines() == [line.strip() for line in documented.splitlines()]


def test_every_key_and_profile_is_documented() -> None:
    for key in TOP_LEVEL_KEYS:
        shown = f"`[{key}]`" if key in ("nodes", "vars", "shapes", "bench", "tune") else f"`{key}`"
        assert f"| {shown} |" in TEXT, key
    for key in NODE_KEYS:
        assert f"| `{key}` |" in TEXT, key
    for key in BENCH_KEYS:
        assert f"| `{key}` |" in TEXT, key
    (profiles_row,) = re.findall(r"^\| \| (.+) \|$", TEXT, re.M)
    shown = [c.strip().removesuffix(" (default)").strip("`") for c in profiles_row.split("|")]
    assert shown == list(PROFILES), f"the Profiles table's columns must be the profiles {list(PROFILES)}"
    for name, profile in PROFILES.items():
        for hook in profile.hooks:
            assert f"`{hook}(" in TEXT, f"hook {hook} of {name} is not documented"
        for attribute in profile.attributes:
            assert f"`{attribute}`" in TEXT, f"attribute {attribute} of {name} is not documented"

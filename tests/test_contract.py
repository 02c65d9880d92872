"""The wire contract is stated once on each side and the two statements agree.

``server/rocm_lsp/lsp/contract.py`` and ``vscode-extension/src/contract.ts`` hold the command
ids, the file suffixes and the status result's shape; every other module takes them from there.
A literal is a string constant in code: Python docstrings and comments on either side are prose
and may name a command.
"""

from __future__ import annotations

import ast
import json
import re
import typing
from pathlib import Path

from rocm_lsp.lsp import contract

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "server" / "rocm_lsp"
EXTENSION = REPO / "vscode-extension"
CONTRACT_TS = EXTENSION / "src" / "contract.ts"
# the suffix lives in the pure core (which may not import lsp/); contract.py re-exports it
PYTHON_HOMES = {PACKAGE / "lsp" / "contract.py", PACKAGE / "core" / "workspace" / "files.py"}
COMMAND_ID = re.compile(r"rocm-lsp\.[A-Za-z][\w-]*")  # any command id, also one not in the contract yet
TS_CONST = re.compile(r'^export const (\w+) = "([^"\\]*)";$', re.MULTILINE)


def python_constants() -> dict[str, str]:
    values = {name: getattr(contract, name) for name in contract.__all__}
    return {name: value for name, value in values.items() if isinstance(value, str)}


def python_commands() -> set[str]:
    return {value for name, value in python_constants().items() if name.endswith("_COMMAND")}


def ts_constants(text: str) -> dict[str, str]:
    return dict(TS_CONST.findall(text))


def ts_block(text: str, opening: str) -> str:
    found = re.search(re.escape(opening) + r"(.*?)^\}", text, re.MULTILINE | re.DOTALL)
    assert found is not None, f"contract.ts has no `{opening}`"
    return found.group(1)


def ts_fields(text: str, interface: str) -> set[str]:
    body = ts_block(text, f"export interface {interface} {{")
    return set(re.findall(r"^\s*(\w+)\??\s*:", body, re.MULTILINE))


def ts_union(text: str, alias: str) -> set[str]:
    found = re.search(rf"^export type {alias} = ([^;]*);$", text, re.MULTILINE)
    assert found is not None, f"contract.ts has no `export type {alias}`"
    return set(re.findall(r'"([^"]*)"', found.group(1)))


def spells_contract(text: str) -> list[str]:
    """The contract values (and command ids) ``text`` spells."""
    values = python_constants().values()
    return sorted({v for v in values if v in text} | set(COMMAND_ID.findall(text)))


def python_literals(source: str) -> list[tuple[int, str]]:
    """Every string constant in ``source`` but docstrings (f-string parts included)."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def ts_code(text: str) -> str:
    """``text`` with its comments blanked (strings, template literals and regex literals kept)."""
    out, i, n = [], 0, len(text)
    previous = ""  # the last significant code character: a `/` after an operand divides
    while i < n:
        ch, two = text[i], text[i : i + 2]
        if two == "//":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if two == "/*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(" " + "\n" * text.count("\n", i, end))  # line numbers stay
            i = end
            continue
        if ch in "\"'`" or (ch == "/" and (previous == "" or previous in "(,=:[!&|?{};+-*%<>~^")):
            start, i, in_class = i, i + 1, False
            while i < n and (text[i] != ch or in_class):
                if text[i] == "\\":
                    i += 1
                elif ch == "/" and text[i] in "[]":
                    in_class = text[i] == "["
                i += 1
            out.append(text[start : i + 1])
            previous = ch
            i += 1
            continue
        out.append(ch)
        if not ch.isspace():
            previous = ch
        i += 1
    return "".join(out)


def test_python_and_typescript_contracts_hold_the_same_constants() -> None:
    text = CONTRACT_TS.read_text(encoding="utf-8")
    exported = re.findall(r"^export const (\w+)", text, re.MULTILINE)
    assert sorted(exported) == sorted(ts_constants(text)), "an `export const` that is not one string"
    assert ts_constants(text) == python_constants()
    assert python_commands() == {v for v in python_constants().values() if COMMAND_ID.match(v)}


def test_the_status_result_has_the_same_fields_on_both_sides() -> None:
    text = CONTRACT_TS.read_text(encoding="utf-8")
    assert ts_fields(text, "Status") == set(contract.Status.__required_keys__)
    assert ts_union(text, "Backend") == set(typing.get_args(contract.Backend))


def test_the_server_registers_exactly_the_contract_commands() -> None:
    from rocm_lsp.lsp.server import build_server

    assert set(build_server().protocol.fm.commands) == python_commands()


def test_package_json_names_only_contract_commands() -> None:
    """package.json cannot import: a server command id it contributes (commands, menus,
    keybindings) or activates on must be in the contract. Today it contributes only the
    extension's own ``rocmLsp.*`` commands, which forward to the server's."""
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    contributes = manifest["contributes"]
    named = {c["command"] for c in contributes.get("commands", [])}
    named |= {item["command"] for items in contributes.get("menus", {}).values() for item in items}
    named |= {k["command"] for k in contributes.get("keybindings", [])}
    events = manifest.get("activationEvents", [])
    named |= {e.removeprefix("onCommand:") for e in events if e.startswith("onCommand:")}
    assert named and {c for c in named if COMMAND_ID.match(c)} <= python_commands()


def test_no_other_typescript_module_spells_the_contract() -> None:
    offenders = []
    for path in sorted((EXTENSION / "src").rglob("*.ts")):
        if path == CONTRACT_TS:
            continue
        for number, line in enumerate(ts_code(path.read_text(encoding="utf-8")).splitlines(), 1):
            offenders += [f"{path.relative_to(REPO)}:{number}: {v}" for v in spells_contract(line)]
    assert offenders == []


def test_no_other_python_module_spells_the_contract() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in PYTHON_HOMES:
            continue
        for line, value in python_literals(path.read_text(encoding="utf-8")):
            offenders += [f"{path.relative_to(REPO)}:{line}: {v}" for v in spells_contract(value)]
    assert offenders == []


def test_the_scanners_see_what_they_must() -> None:
    """The checks above are only as good as their readers: literals found, prose not."""
    ts = 'const a = "x.hip.jinja"; // rocm-lsp.status\n/* rocm-lsp.compile */ const b = `file://${a}`;\n'
    ts += "const c = /[/\"]/u; const d = 'rocm-lsp.render';\n"
    assert spells_contract(ts_code(ts)) == [".hip.jinja", "rocm-lsp.render"]
    code = '"""``rocm-lsp.preview``"""\nX = f"{1}.generated.hip.cpp"  # rocm-lsp.status\n'
    assert [spells_contract(v) for _, v in python_literals(code)] == [[".generated.hip.cpp"]]

"""The benchmark protocol: ``gpu/bench_worker.py`` cannot import rocm_lsp, so nothing types its
JSON; this reads the worker with ``ast`` and checks that the keys it writes are exactly the keys
of the response TypedDicts in ``gpu/bench_request.py``, and that the keys it reads are exactly
the request's (less the ones listed as not for the worker)."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

from rocm_lsp.core.engine.analysis import analyze
from rocm_lsp.gpu import bench_request as protocol
from rocm_lsp.gpu.bench_request import BenchSetupError, make_request

REPO = Path(__file__).resolve().parent.parent
WORKER = REPO / "server" / "rocm_lsp" / "gpu" / "bench_worker.py"

# Where the worker builds each part of its answer: (function, the expression written into, as
# ast.unparse spells it; "return": the dict literal returned; "x.append": dict literals appended).
WRITES: dict[str, list[tuple[str, str]]] = {
    "BenchResponse": [
        ("run", "result"),
        ("_device", "result"),
        ("rates", "out"),
        ("answer", "result"),
        ("serve", "result"),
        ("main", "result"),
    ],
    "BenchTiming": [("statistics", "return"), ("timing", "stats")],
    "ChoiceResult": [("_choice", "out")],
    "BenchCheck": [("check", "report"), ("run", "result['check']")],
    "OutputCheck": [("compare", "out"), ("check", "results.append")],
    "FirstMismatch": [("compare", "out['first_mismatch']")],
    "BenchPeaks": [("measure_peaks", "found")],
}
# Where it reads the request's parts: (function or None for the whole file, the variable).
READS: dict[str, list[tuple[str | None, str]]] = {
    "BenchRequest": [(None, "request")],
    "BenchArg": [("_arguments", "arg"), ("_load", "a")],
    "NodeSpec": [("allocate", "meta")],
}
# Request keys the worker has no use for, and why.
NOT_READ = {
    "BenchRequest": {"profile": "for the record", "timeout_s": "the caller's kill timer"},
    "BenchArg": {
        "name": "for messages",
        "cpp_type": "the declaration; ctype is what is passed",
        "role": "the node's role decides",
        "symbol": "value is already the symbol's",
    },
    "NodeSpec": {"numel": "for the request's byte count", "itemsize": "idem"},
}


def _tree() -> ast.Module:
    return ast.parse(WORKER.read_text(encoding="utf-8"), filename=str(WORKER))


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def typed_keys(name: str) -> set[str]:
    """Every key (required or not) of a protocol TypedDict, or of each member of a union of them."""
    typed = getattr(protocol, name)
    members = typing.get_args(typed) or (typed,)
    return set().union(*(m.__required_keys__ | m.__optional_keys__ for m in members))


def _key(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def written(function: ast.FunctionDef, target: str) -> set[str]:
    """The keys ``function`` writes into ``target``: ``target = {…}``, ``target["k"] = …``,
    ``target.update(k=…)`` or ``target.update({…})``."""
    found: set[str] = set()

    def literal(node: ast.AST | None) -> None:
        if isinstance(node, ast.Dict):  # a ``**spread`` has no key: its keys come from elsewhere
            found.update(k for k in map(_key, node.keys) if k is not None)

    for node in ast.walk(function):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if ast.unparse(t) == target:
                    literal(node.value)
                elif isinstance(t, ast.Subscript) and ast.unparse(t.value) == target and _key(t.slice):
                    found.add(str(_key(t.slice)))
        elif isinstance(node, ast.Return) and target == "return":
            literal(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if ast.unparse(node.func) == f"{target}.update":
                found.update(k.arg for k in node.keywords if k.arg is not None)
                for arg in node.args:
                    literal(arg)
            elif ast.unparse(node.func) == target:  # "results.append"
                for arg in node.args:
                    literal(arg)
    return found


def read(scope: ast.AST, variable: str) -> set[str]:
    """The keys read from ``variable`` in ``scope``: ``variable["k"]`` and ``variable.get("k", …)``."""
    found: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if isinstance(node.value, ast.Name) and node.value.id == variable and _key(node.slice):
                found.add(str(_key(node.slice)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == variable and node.func.attr == "get":
                if _key(node.args[0]):
                    found.add(str(_key(node.args[0])))
    return found


@pytest.mark.parametrize("name", sorted(WRITES))
def test_the_worker_writes_exactly_the_response_keys(name: str) -> None:
    functions = _functions(_tree())
    keys = set().union(*(written(functions[f], target) for f, target in WRITES[name]))
    assert sorted(keys) == sorted(typed_keys(name)), f"bench_worker.py vs bench_request.{name}"


@pytest.mark.parametrize("name", sorted(READS))
def test_the_worker_reads_exactly_the_request_keys(name: str) -> None:
    tree = _tree()
    functions = _functions(tree)
    keys = set().union(*(read(tree if f is None else functions[f], variable) for f, variable in READS[name]))
    expected = typed_keys(name) - set(NOT_READ[name])
    assert sorted(keys) == sorted(expected), f"bench_worker.py vs bench_request.{name}"
    assert set(NOT_READ[name]) <= typed_keys(name), "NOT_READ names a key the protocol lost"


def test_the_scan_sees_the_worker() -> None:
    """The scan is not vacuous: the worker writes ``ok`` at the top and reads ``library``."""
    functions = _functions(_tree())
    assert "ok" in written(functions["main"], "result")
    assert "library" in read(functions["_load"], "request")


def test_make_request_fills_exactly_the_request_keys() -> None:
    """The producer's side at run time (mypy checks it statically), over every example template."""
    kinds: set[str] = set()
    requests = 0
    required = protocol.BenchRequest.__required_keys__
    for path in sorted((REPO / "templates").glob("*.hip.jinja")):
        try:
            request = make_request(analyze(path.read_text(encoding="utf-8")), "/tmp/lib.so")
        except BenchSetupError:
            continue
        requests += 1
        assert set(request) == required, path.name
        for node in request["nodes"].values():
            assert node is None or set(node) == typed_keys("NodeSpec"), path.name
        for arg in request["args"]:
            member = next(m for m in typing.get_args(protocol.BenchArg) if arg["kind"] in _kinds(m))
            assert set(arg) == member.__required_keys__, (path.name, arg)
            kinds.add(arg["kind"])
    assert requests >= 3
    assert {"buffer", "size", "workspace_size", "workspace", "stream"} <= kinds


def _kinds(member: type) -> tuple[str, ...]:
    return typing.get_args(typing.get_type_hints(member)["kind"])

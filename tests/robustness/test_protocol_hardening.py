"""The real ``rocm-lsp serve`` against a hostile client, frames written and read by hand:
malformed framing ends the server with its reason; requests with invalid params get -32602
and the server keeps serving; a lone surrogate in a preview becomes U+FFFD; closed documents
leave nothing behind; ``--tcp`` listens on loopback only and admits only the token holder."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import re
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest
from fakes import fake_compiler, fake_interpreter
from lsp_session import WORK, boot_command

REPO = Path(__file__).resolve().parents[2]
GEMM = (REPO / "templates" / "gemm_bias_fp16.hip.jinja").read_text()
HOVER_LINE = GEMM[: GEMM.index("kernel.def_kernel(")].count("\n")  # hover there shows the expansion
ENV = {**os.environ, "ROCM_LSP_CACHE_DIR": str(WORK / "hardening-cache")}
HEADER = '{#- rocm-lsp\n[nodes]\nX = { dtype = "float16", size = [4] }\n-#}\n'
SURROGATE_TEMPLATE = HEADER + "// {{ X.get_name() }} {{ '\\ud800' }} {{ 'ok' }}\n"


def frame(message: Any) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Wire:
    """A JSON-RPC client that writes and reads LSP frames itself; it answers the server's own
    requests (progress, showDocument) with null and keeps its notifications in ``notes``."""

    def __init__(self, reader: IO[bytes], writer: IO[bytes]) -> None:
        self.writer = writer
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.notes: list[dict[str, Any]] = []
        self.ids = itertools.count(1)
        threading.Thread(target=self._read, args=(reader,), daemon=True).start()

    def _read(self, reader: IO[bytes]) -> None:
        try:
            while True:
                length = None
                while (line := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if not line or length is None:
                    break
                self.inbox.put(json.loads(reader.read(length)))
        except (OSError, ValueError):
            pass
        self.inbox.put(None)

    def send(self, data: Any) -> None:
        self.writer.write(data if isinstance(data, bytes) else frame(data))
        self.writer.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60.0, **extra: Any) -> dict[str, Any]:
        """The whole response (``result`` or ``error``) to one request."""
        request_id = extra.pop("id", next(self.ids))
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params, **extra})
        if not isinstance(request_id, (int, str)):
            request_id = None  # JSON-RPC 5.1: an unusable id is answered with null
        deadline = time.monotonic() + timeout
        while True:
            message = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            if message is None:
                raise ConnectionError(f"the server closed the connection before answering {method}")
            if "method" in message and "id" in message:
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "method" in message:
                self.notes.append(message)
            elif message.get("id", "absent") == request_id:
                return message

    def initialize(self, **options: Any) -> dict[str, Any]:
        answer = self.request("initialize", {"capabilities": {}, "initializationOptions": options})
        if "result" in answer:
            self.notify("initialized", {})
        return answer

    def open(self, uri: str, text: str) -> None:
        item = {"uri": uri, "languageId": "jinja", "version": 1, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": item})

    def hover(self, uri: str, line: int, character: int) -> dict[str, Any]:
        position = {"line": line, "character": character}
        return self.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})

    def command(self, name: str, *arguments: Any) -> dict[str, Any]:
        return self.request("workspace/executeCommand", {"command": name, "arguments": list(arguments)})


class Stdio(Wire):
    """The real server over stdio (stderr in a file), as an editor starts it."""

    def __init__(self, stderr: Path, *args: str) -> None:
        self.stderr = stderr
        command = boot_command("serve", *args, stderr=stderr)
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        super().__init__(self.proc.stdout, self.proc.stdin)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.request("shutdown", None)
            self.notify("exit", None)
        return self.proc.wait(timeout=30)

    def problems(self) -> list[str]:
        """Tracebacks or errors on stderr, and error messages shown to the user."""
        text = self.stderr.read_text(errors="replace")
        found = [text[-3000:]] if re.search(r"Traceback|ERROR|Exception", text) else []
        return found + [n["params"]["message"] for n in self.notes if n["params"].get("type") == 1]


def hover_text(answer: dict[str, Any]) -> str:
    result = answer.get("result")
    return result["contents"]["value"] if result else ""


@pytest.fixture
def server(tmp_path: Path):
    wire = Stdio(tmp_path / "stderr.txt")
    assert "result" in wire.initialize()
    yield wire
    if wire.proc.poll() is None:
        wire.proc.kill()
        wire.proc.wait()


# -- 3. framing --------------------------------------------------------------------------
MALFORMED = {
    "non-numeric Content-Length": (b"Content-Length: abc\r\n\r\n{}", "Content-Length is not a non-negative"),
    "negative Content-Length": (b"Content-Length: -12\r\n\r\n{}", "Content-Length is not a non-negative"),
    "header too long": (b"X-Filler: " + b"a" * 100_000 + b"\r\n\r\n", "longer than 8192 bytes"),
    "body not JSON": (b"Content-Length: 11\r\n\r\n{not json}\n", "not JSON"),
    "no Content-Length": (b"Content-Type: application/json\r\n\r\n{}", "without Content-Length"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_framing_ends_the_server_with_the_reason(server: Stdio, case: str) -> None:
    data, reason = MALFORMED[case]
    assert hover_text(server.hover("file:///nothing/open.hip.jinja", 0, 0)) == ""  # alive and listening
    with contextlib.suppress(BrokenPipeError):  # it may end before reading all of them
        server.send(data)  # stdin stays open: the server ends because of the bytes, not at EOF
    assert server.proc.wait(timeout=10) != 0
    stderr = server.stderr.read_text()
    assert "malformed LSP framing" in stderr and reason in stderr, stderr


# -- 2. invalid params -------------------------------------------------------------------
def test_invalid_params_are_answered_and_the_server_keeps_serving(server: Stdio) -> None:
    uri = "file:///hardening/gemm.hip.jinja"
    doc = {"uri": uri}
    server.open(uri, GEMM)
    invalid = [
        ("textDocument/hover", {"textDocument": doc, "position": {"line": -1, "character": 0}}),
        ("textDocument/hover", {"textDocument": doc, "position": {"line": 0, "character": -5}}),
        ("textDocument/hover", None),
        ("textDocument/hover", {"textDocument": doc, "position": {"line": "one", "character": 0}}),
        ("textDocument/hover", {"textDocument": 7, "position": {"line": 0, "character": 0}}),
        ("textDocument/completion", {"textDocument": doc}),
        ("textDocument/inlayHint", {"textDocument": doc, "range": None}),
        ("textDocument/definition", []),
        ("textDocument/codeLens", {"textDocument": {}}),
        ("workspace/executeCommand", {"command": "rocm-lsp.render", "arguments": "not a list"}),
    ]
    for method, params in invalid:
        answer = server.request(method, params, timeout=20)
        assert answer.get("error", {}).get("code") == -32602, (method, params, answer)
    # an unusable id is answered with id null; a bad notification is dropped
    assert server.request("textDocument/hover", None, id={"not": "an id"})["error"]["code"] == -32602
    server.notify("textDocument/didChange", None)
    server.notify("textDocument/didOpen", {"textDocument": {"uri": 5}})
    # positions past the end of the document: a normal, empty answer
    assert server.hover(uri, 10**6, 10**6)["result"] is None
    assert server.hover(uri, 0, 10**6)["result"] is None
    assert "PT_EXPORT" in hover_text(server.hover(uri, HOVER_LINE, 12))
    assert server.problems() == []
    assert server.stop() == 0


# -- 4. lone surrogates ------------------------------------------------------------------
def test_a_lone_surrogate_in_a_preview_becomes_a_replacement_character(server: Stdio) -> None:
    uri = "file:///hardening/surrogate.hip.jinja"
    server.open(uri, SURROGATE_TEMPLATE)
    rendered = server.command("rocm-lsp.render", uri)["result"]
    assert "\ufffd ok" in rendered and "\ud800" not in rendered
    target = server.command("rocm-lsp.preview", uri)["result"]
    assert target.startswith("file://")
    preview = Path(target.removeprefix("file://")).read_text(encoding="utf-8")
    assert "\ufffd" in preview
    # a document whose own text holds a lone surrogate (JSON allows the escape)
    broken = "file:///hardening/surrogate-in-text.hip.jinja"
    server.open(broken, GEMM + "// \ud800 in the text\n")
    assert "// \ufffd in the text" in server.command("rocm-lsp.render", broken)["result"]
    assert "PT_EXPORT" in hover_text(server.hover(broken, HOVER_LINE, 12))
    assert server.problems() == []
    assert server.stop() == 0


# -- 5. per-document state ---------------------------------------------------------------
def test_closed_documents_leave_no_per_document_state(server: Stdio, tmp_path: Path) -> None:
    settings = {
        "compiler": str(fake_compiler(tmp_path, "ok")),
        "benchmarkInterpreter": str(fake_interpreter(tmp_path, "ok")),
    }
    server.notify("workspace/didChangeConfiguration", {"settings": {"rocmLsp": settings}})
    spellings = []
    for cycle in range(3):
        uris = [(tmp_path / f"cycle {cycle} kernel {i}.hip.jinja").as_uri() for i in range(4)]
        python = (tmp_path / f"cycle{cycle}.py").as_uri()
        for uri in uris:
            server.open(uri, GEMM)
        server.open(python, "X = 1\n")
        first = uris[0]
        assert server.command("rocm-lsp.compile", first)["result"].startswith("compiled with nvcc")
        assert "ms" in server.command("rocm-lsp.benchmark", first)["result"]
        assert server.command("rocm-lsp.preview", uris[1])["result"].startswith("file://")
        other = uris[2].replace("%20", " ")  # the same document under another spelling
        assert "PT_EXPORT" in hover_text(server.hover(other, HOVER_LINE, 12))
        spellings.append(other)
        for uri in uris[3:]:  # closed while it is being typed in: its waiting analyses are dropped
            for version in range(2, 6):
                change = {"text": GEMM + "\n" * version}
                server.notify(
                    "textDocument/didChange",
                    {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
                )
        held = server.command("rocm-lsp.status")["result"]["held"]
        assert held["documents"] == 5 and held["compileOutcomes"] == held["benchOutcomes"] == 1
        assert held["previews"] == 1 and held["analyses"] >= 4
        for uri in [*uris, python]:
            server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        # requests for closed documents: answered empty, and nothing is analysed from disk
        assert server.hover(uris[0], HOVER_LINE, 12)["result"] is None
        assert server.command("rocm-lsp.render", spellings[-1])["result"] is None
    deadline = time.monotonic() + 30
    while True:
        held = server.command("rocm-lsp.status")["result"]["held"]
        if not any(held.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # an analysis started before the close may still be running
    assert held == dict.fromkeys(held, 0), held
    assert server.problems() == []
    assert server.stop() == 0


def _resident_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap and /proc")
def test_memory_of_closed_heavy_documents_goes_back_to_the_system(server: Stdio) -> None:
    heavy = HEADER + "{{ X }} {% if X %}a{% endif %}\n" * 4000  # about 200 MiB while analysed
    server.open("file:///hardening/light.hip.jinja", GEMM)  # the engine imported: the baseline
    server.request(
        "textDocument/documentSymbol", {"textDocument": {"uri": "file:///hardening/light.hip.jinja"}}
    )
    before = _resident_mib(server.proc.pid)
    uris = [f"file:///hardening/heavy-{i}.hip.jinja" for i in range(2)]
    for uri in uris:
        server.open(uri, heavy)
    for uri in uris:
        server.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}}, timeout=120)
    grown = _resident_mib(server.proc.pid) - before
    for uri in uris:
        server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    deadline = time.monotonic() + 15
    while (left := _resident_mib(server.proc.pid) - before) > grown / 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    print(f"heavy documents: grew {grown:.0f} MiB, {left:.0f} MiB left after close")
    assert grown > 100 and left < grown / 3
    assert server.stop() == 0


# -- 1. TCP ------------------------------------------------------------------------------
class Tcp:
    """``rocm-lsp serve --tcp`` as a process, with the address and token it announced."""

    def __init__(self, stderr: Path, *args: str) -> None:
        self.stderr = stderr
        command = boot_command("serve", "--tcp", "127.0.0.1:0", *args, stderr=stderr)
        stderr.write_text("")
        self.proc = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not (found := re.search(r"listening on ([\d.]+):(\d+); send the (.*) as", stderr.read_text())):
            assert self.proc.poll() is None and time.monotonic() < deadline, stderr.read_text()
            time.sleep(0.05)
        self.address = (found.group(1), int(found.group(2)))
        self.token = found.group(3).removeprefix("token ")

    def connect(self) -> tuple[Wire, socket.socket]:
        sock = socket.create_connection(self.address, timeout=30)
        return Wire(sock.makefile("rb"), sock.makefile("wb")), sock


def _closed(sock: socket.socket) -> bool:
    ready, _, _ = select.select([sock], [], [], 10)
    return bool(ready) and sock.recv(1) == b""


def test_tcp_admits_only_the_token_holder_and_one_client(tmp_path: Path) -> None:
    server = Tcp(tmp_path / "stderr.txt")
    try:
        for options in ({}, {"token": "wrong"}, {"token": 12345}):
            wire, sock = server.connect()
            answer = wire.initialize(**options)
            assert answer["error"]["code"] == -32600 and "token" in answer["error"]["message"]
            assert _closed(sock)
        wire, sock = server.connect()  # a notification first: closed unanswered, nothing applied
        wire.notify("workspace/didChangeConfiguration", {"settings": {"rocmLsp": {"compiler": "/bin/false"}}})
        assert _closed(sock)

        client, _ = server.connect()
        assert "capabilities" in client.initialize(token=server.token)["result"]
        with pytest.raises(ConnectionRefusedError):  # the port closed once a client was admitted
            socket.create_connection(server.address, timeout=5)
        uri = "file:///hardening/tcp.hip.jinja"
        client.open(uri, GEMM)
        assert "PT_EXPORT" in hover_text(client.hover(uri, HOVER_LINE, 12))
        assert client.command("rocm-lsp.status")["result"]["backend"] in {"nvcc", "hipcc", "none"}
        client.request("shutdown", None)
        client.notify("exit", None)
        assert server.proc.wait(timeout=30) == 0
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


def test_tcp_takes_the_token_from_a_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("a-token-of-some-length-0123456789\n")
    server = Tcp(tmp_path / "stderr.txt", "--token-file", str(token_file))
    try:
        assert "a-token-of-some-length" not in server.stderr.read_text()  # only the file is named
        wire, sock = server.connect()
        assert "error" in wire.initialize(token="another-token-of-some-length")
        assert _closed(sock)
        client, _ = server.connect()
        assert "result" in client.initialize(token="a-token-of-some-length-0123456789")
        client.request("shutdown", None)
        client.notify("exit", None)
        assert server.proc.wait(timeout=30) == 0
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--tcp", "0.0.0.0:2087"], "loopback address only"),
        (["--tcp", "192.168.1.10:2087"], "loopback address only"),
        (["--tcp", "[::]:2087"], "loopback address only"),
        (["--tcp", "example.com:2087"], "loopback address only"),
        (["--tcp", "127.0.0.1"], "HOST:PORT"),
        (["--tcp", "127.0.0.1:0", "--token-file", "/nonexistent/token"], "cannot read the token file"),
        (["--token-file", "/nonexistent/token"], "goes with --tcp"),
    ],
)
def test_tcp_refuses_other_hosts_as_a_usage_error(args: list[str], says: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rocm_lsp", "serve", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=ENV,
    )
    assert done.returncode == 2 and says in done.stderr, done.stderr


def test_tcp_is_documented_in_the_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rocm_lsp", "serve", "--help"], capture_output=True, text=True, timeout=30
    )
    assert "loopback" in done.stdout and "initializationOptions" in done.stdout

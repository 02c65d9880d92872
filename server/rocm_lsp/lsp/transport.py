"""How messages reach the server: strict framing over stdio, and a loopback TCP listener that
admits one client, and only one that presents the token.

pygls 2.1's read loop skips a header line it cannot parse and waits for the next one, so one
malformed ``Content-Length`` left a live but deaf server. Here broken framing (a missing,
non-numeric or negative ``Content-Length``, a header longer than ``MAX_HEADER_BYTES``, a body
above ``MAX_BODY_BYTES`` or not JSON, a stream cut inside a message) ends the server with the
reason on stderr and exit status 1, so the editor's client starts a new one. A well-framed
message that is not a valid request is answered by :class:`~rocm_lsp.lsp.protocol.RocmProtocol`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import ipaddress
import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from pygls.io_ import StdoutWriter

if TYPE_CHECKING:
    from rocm_lsp.lsp.server import RocmLanguageServer

log = logging.getLogger(__name__)
MAX_HEADER_BYTES = 8192  # all header lines of one message
MAX_BODY_BYTES = 64 << 20  # VS Code does not sync documents above 50 MB to extensions
EXIT_BROKEN = 1
TOKEN_OPTION = "token"


class FramingError(Exception):
    """The byte stream is not LSP base-protocol framing; the message is the reason."""


class _Reader(Protocol):
    async def readline(self) -> bytes: ...  # at most MAX_HEADER_BYTES + 1 bytes

    async def read(self, n: int) -> bytes: ...  # n bytes, fewer only at the end of the stream


class _StdinReader:
    """Blocking reads of a binary stream in a thread of their own."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rocm-lsp-stdin")

    async def readline(self) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self.stream.readline, MAX_HEADER_BYTES + 1)

    async def read(self, n: int) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self.pool, self.stream.read, n)


class _SocketReader:
    """An ``asyncio.StreamReader`` created with ``limit=MAX_HEADER_BYTES + 1``."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    async def readline(self) -> bytes:
        try:
            return await self.reader.readline()
        except ValueError:  # the limit: a line without end
            raise FramingError(f"a message header is longer than {MAX_HEADER_BYTES} bytes") from None

    async def read(self, n: int) -> bytes:
        try:
            return await self.reader.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial


async def read_message(reader: _Reader) -> Any | None:
    """The next message's decoded JSON, or None where the stream ends between messages."""
    length: int | None = None
    size = 0
    while True:
        line = await reader.readline()
        if not line:
            if size:
                raise FramingError("the stream ended inside a message header")
            return None
        size += len(line)
        if size > MAX_HEADER_BYTES:
            raise FramingError(f"a message header is longer than {MAX_HEADER_BYTES} bytes")
        text = line.rstrip(b"\r\n")
        if not text:
            if size == len(line):  # a blank line between messages
                size = 0
                continue
            break
        name, colon, value = text.partition(b":")
        if not colon:
            raise FramingError(f"malformed header line {text[:80]!r}")
        if name.strip().lower() == b"content-length":
            value = value.strip()
            if not value.isdigit():
                raise FramingError(f"Content-Length is not a non-negative integer: {value[:40]!r}")
            if length is not None:
                raise FramingError("two Content-Length headers in one message")
            length = int(value) if len(value) <= 12 else MAX_BODY_BYTES + 1  # int() refuses 5000 digits
    if length is None:
        raise FramingError("a message header without Content-Length")
    if length > MAX_BODY_BYTES:
        raise FramingError(f"Content-Length is above the limit of {MAX_BODY_BYTES} bytes")
    body = await reader.read(length)
    if len(body) < length:
        raise FramingError("the stream ended inside a message body")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FramingError(f"a message body is not JSON: {str(exc)[:200]}") from None


async def _serve(server: RocmLanguageServer, reader: _Reader, first: Any = None) -> int:
    """Hand every message to the protocol until the stream ends; the exit status."""
    try:
        protocol: Any = server.protocol  # a RocmProtocol (lsp/protocol.py): receive() is ours
        if first is not None:
            protocol.receive(first)
        while (message := await read_message(reader)) is not None:
            protocol.receive(message)
    except FramingError as exc:
        log.info("malformed LSP framing: %s; exiting", exc)  # for --log-file; stderr gets it below
        print(f"rocm-lsp: malformed LSP framing: {exc}; exiting", file=sys.stderr, flush=True)
        return EXIT_BROKEN
    except SystemExit as exc:  # pygls's ``exit`` handler: 0 after ``shutdown``, else 1
        return exc.code if isinstance(exc.code, int) else EXIT_BROKEN
    except (BrokenPipeError, ConnectionError):
        log.error("rocm-lsp: the connection to the client is lost")
        return EXIT_BROKEN
    return 0


def serve_stdio(
    server: RocmLanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> int:
    """Serve the client on stdin/stdout (or the streams given); the exit status."""
    reader = _StdinReader(stdin or sys.stdin.buffer)
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        return asyncio.run(_serve(server, reader))
    except KeyboardInterrupt:
        return EXIT_BROKEN
    finally:
        reader.pool.shutdown(wait=False)
        server.shutdown()


def loopback_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT``, ``localhost:PORT``, ``:PORT``) on a loopback address;
    ValueError with the reason otherwise."""
    host, colon, port = text.rpartition(":")
    if not colon or not port.isdigit() or int(port) > 65535:
        raise ValueError("--tcp takes HOST:PORT, e.g. 127.0.0.1:2087")
    host = host.removeprefix("[").removesuffix("]") or "127.0.0.1"
    if host == "localhost":
        host = "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"--tcp listens on a loopback address only (127.0.0.1 or ::1), not {host!r}")
    return host, int(port)


def admitted(message: Any, token: str) -> bool:
    """Whether ``message`` is an ``initialize`` request carrying ``token`` in its
    ``initializationOptions`` (removed from it: it is no setting, and must reach no log)."""
    if not isinstance(message, dict) or message.get("method") != "initialize" or "id" not in message:
        return False
    params = message.get("params")
    options = params.get("initializationOptions") if isinstance(params, dict) else None
    sent = options.pop(TOKEN_OPTION, None) if isinstance(options, dict) else None
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), token.encode())


def _refusal(message: dict[str, Any]) -> bytes:
    """The framed error that answers a connection's first request when it lacks the token."""
    request_id = message.get("id")
    if not isinstance(request_id, (int, str)) or isinstance(request_id, bool):
        request_id = None
    reason = (
        "rocm-lsp: this server needs its token in initialize's initializationOptions.token "
        "(see `rocm-lsp serve --help`)"
    )
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32600, "message": reason}})
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body.encode())


def serve_tcp(
    server: RocmLanguageServer, host: str, port: int, token: str, listening: Callable[[str, int], None]
) -> int:
    """Serve one client on a loopback TCP port; the exit status.

    A connection's first message must be ``initialize`` with ``initializationOptions.token``;
    otherwise it is answered with an error and closed. The first client admitted is the only
    one: the port closes, and the server ends when that connection ends. ``listening(host,
    port)`` is called once the port is open (``port`` 0 picks a free one).
    """

    async def main() -> int:
        finished: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        listener: asyncio.Server | None = None
        taken = False

        async def connection(stream: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal taken
            reader = _SocketReader(stream)
            try:
                first = await read_message(reader)
            except (FramingError, ConnectionError):
                first = None
            if first is None or taken or not admitted(first, token):
                if isinstance(first, dict) and "id" in first:  # a request: answered; else just closed
                    writer.write(_refusal(first))
                writer.close()
                log.warning("rocm-lsp: refused a TCP connection without the token")
                return
            taken = True
            if listener is not None:
                listener.close()  # one client: no one else connects
            server.protocol.set_writer(writer)  # write() and close() suffice
            code = await _serve(server, reader, first)
            if not finished.done():
                finished.set_result(code)

        listener = await asyncio.start_server(connection, host, port, limit=MAX_HEADER_BYTES + 1)
        bound = listener.sockets[0].getsockname()
        listening(bound[0], bound[1])
        try:
            return await finished
        finally:
            listener.close()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return EXIT_BROKEN
    finally:
        server.shutdown()

"""The JSON-RPC protocol: pygls 2.1's, with its gaps closed.

- Requests pygls cannot structure (``params: null``, a negative position, a wrong type)
  were logged and never answered; here each gets an InvalidParams error (-32602) and a
  notification with bad params is logged and dropped (:meth:`RocmProtocol.receive`).
- Every text sent is valid Unicode: lone surrogates (a template can render ``"\\ud800"``)
  become U+FFFD (:meth:`RocmProtocol._serialize_message`).
- pygls files the future of every async handler it runs under a message id in
  ``_request_futures`` and removes it only when it answers a request. Notifications get a
  fresh id (as does each step of its built-in ``didOpen``/``didChange``/``didClose``
  handlers), are never answered, and so stayed there: every keystroke kept a finished task
  and future alive for the life of the server. Here finished futures leave the table at the
  next message (pygls answers a request from the future it is given, not from the table).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from lsprotocol.types import ResponseError, ResponseErrorMessage
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    LanguageServerProtocol,
)

log = logging.getLogger(__name__)
INVALID_REQUEST, INVALID_PARAMS = -32600, -32602
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (surrogate pairs are joined)."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _valid(value: Any) -> Any:
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, dict):
        return {_valid(k): _valid(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_valid(v) for v in value]
    return value


def _request_id(message: dict[str, Any]) -> int | str | None:
    """The id to answer with: the request's, or null when it has none usable (JSON-RPC 5.1)."""
    found = message.get("id")
    return found if isinstance(found, (int, str)) and not isinstance(found, bool) else None


class RocmProtocol(LanguageServerProtocol):
    """pygls's language-server protocol, answering every request and sending valid text."""

    def receive(self, message: Any) -> None:
        """Handle one decoded JSON message (the transport's only entry point)."""
        if not isinstance(message, dict) or message.get("jsonrpc") != self.VERSION:
            self._refuse(message, INVALID_REQUEST, "not a JSON-RPC 2.0 message")
            return
        method = message.get("method")
        if "method" in message and not isinstance(method, str):
            self._refuse(message, INVALID_REQUEST, "the method is not a string")
            return
        try:
            structured = self._structure(message)
        except Exception as exc:  # noqa: BLE001 - cattrs raises many kinds; all mean bad params
            self._refuse(message, INVALID_PARAMS, f"invalid params for {method}: {_describe(exc)}")
            return
        if "method" in message and "id" in message and not hasattr(structured, "id"):
            self._refuse(message, INVALID_REQUEST, f"{method} is a notification, sent with an id")
            return
        try:
            self.handle_message(structured)
        except Exception:  # noqa: BLE001 - as pygls's own loop: one bad message, not a dead server
            log.exception("unable to handle a %s message", method)

    def _structure(self, message: dict[str, Any]) -> Any:
        """The lsprotocol message for a decoded one (as pygls's ``structure_message``, which
        logs a traceback at error level for each failure and is meant as a ``json`` hook)."""
        if "method" in message:
            kind = self.get_message_type(message["method"])
            kind = kind or (JsonRPCRequestMessage if "id" in message else JsonRPCNotification)
        elif "error" in message:
            kind = ResponseErrorMessage
        else:
            kind = self._result_types.pop(message.get("id") or "", None) or JsonRPCResponseMessage
        return self._converter.structure(message, kind)

    def _refuse(self, message: Any, code: int, reason: str) -> None:
        """Answer a bad request with an error; fail the waiting future of a bad response; log the rest."""
        answered = _request_id(message) if isinstance(message, dict) else None
        if isinstance(message, dict) and "method" not in message and answered is not None:
            self._handle_response(answered, error=ResponseError(code, reason))
        elif isinstance(message, dict) and "id" not in message:
            log.warning("rocm-lsp: ignored a notification: %s", reason)
        else:  # JSON-RPC 5.1: the request's id, or null when it has none usable
            error = {"code": code, "message": reason}
            answer: dict[str, object] = {"jsonrpc": self.VERSION, "id": None, "error": error}
            if isinstance(message, dict):
                answer["id"] = _request_id(message)
            self._send_data(_valid(answer))

    def _send_handler_result(self, future: Any, *, msg_id: Any) -> None:
        # pygls logs a traceback and shows the user an error for a command's bad arguments
        if not future.cancelled() and isinstance(future.exception(), JsonRpcInvalidParams):
            self._request_futures.pop(msg_id, None)
            self._send_response(msg_id, error=future.exception().to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)

    def _serialize_message(self, data: Any) -> Any:
        return _valid(super()._serialize_message(data))

    def _execute_handler(
        self, msg_id: Any, handler: Any, callback: Any, args: Any = None, kwargs: Any = None
    ) -> None:
        # Before each message: the table keeps only what is still running. (Not from a done
        # callback: pygls's shutdown iterates the table while cancelling, which runs those.)
        for key, future in list(self._request_futures.items()):
            if future.done():
                self._request_futures.pop(key, None)
        super()._execute_handler(msg_id, handler, callback, args, kwargs)


def _describe(exc: BaseException) -> str:
    """A one-line reason from a (cattrs) structuring error."""
    from cattrs.errors import ClassValidationError

    if isinstance(exc, ClassValidationError):
        from cattrs import transform_error

        return "; ".join(transform_error(exc))[:500]
    return f"{type(exc).__name__}: {exc}"[:500]

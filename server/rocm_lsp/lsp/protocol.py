"""The JSON-RPC protocol: pygls 2.1's, without its leak.

pygls 2.1 files the future of every async handler it runs under a message id in
``_request_futures`` and removes it only when it answers a request. Notifications get a
fresh id (as does each step of its built-in ``didOpen``/``didChange``/``didClose``
handlers), are never answered, and so stayed there: every keystroke kept a finished task
and future alive for the life of the server. Here finished futures leave the table at the
next message (pygls answers a request from the future it is given, not from the table).
"""

from __future__ import annotations

from typing import Any

from pygls.protocol import LanguageServerProtocol


class RocmProtocol(LanguageServerProtocol):
    """pygls's language-server protocol, forgetting the futures of finished handlers."""

    def _execute_handler(
        self, msg_id: Any, handler: Any, callback: Any, args: Any = None, kwargs: Any = None
    ) -> None:
        # Before each message: the table keeps only what is still running. (Not from a done
        # callback: pygls's shutdown iterates the table while cancelling, which runs those.)
        for key, future in list(self._request_futures.items()):
            if future.done():
                self._request_futures.pop(key, None)
        super()._execute_handler(msg_id, handler, callback, args, kwargs)

"""The mock portal on 127.0.0.1: request handler with fault injection, and :func:`serve_study`."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cbioportal_server.faults import Fault, RecordedRequest, ServerState
from cbioportal_server.http import HttpError, Reply, Request
from cbioportal_server.model import load_model
from cbioportal_server.routes import Api


def make_handler(api: Api, state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # headers and body are written separately: avoid Nagle + delayed-ACK stalls
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
            return

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw_body = self.rfile.read(length) if length else b""
            query = parse_qs(parts.query, keep_blank_values=True)
            path = parts.path
            fault = state.record(
                RecordedRequest(method, path, query, dict(self.headers.items()), raw_body)
            )
            try:
                reply = self._reply(method, path, query, raw_body, fault)
                self._send(reply, fault)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _reply(
            self,
            method: str,
            path: str,
            query: dict[str, list[str]],
            body: bytes,
            fault: Fault | None,
        ) -> Reply:
            if fault is not None and fault.kind in ("500", "503", "429"):
                status = int(fault.kind)
                headers = {"Retry-After": fault.retry_after} if status == 429 else {}
                return Reply(status, {"message": f"injected fault {status}"}, headers)
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
            if state.require_token is not None:
                if self.headers.get("Authorization") != f"Bearer {state.require_token}":
                    # the token filter rejects the request before any controller: status only
                    return Reply(401, None, raw=b"")
            if not path.startswith("/api/"):
                return Reply(404, {"message": f"No endpoint {method} {path}"})
            try:
                return api.dispatch(Request(method, path[len("/api") :], query, body))
            except HttpError as exc:
                return Reply(exc.status, {"message": exc.message})

        def _send(self, reply: Reply, fault: Fault | None) -> None:
            body = reply.body
            if fault is not None and fault.kind == "short_page" and isinstance(body, list) and body:
                with state.lock:
                    fault.hits += 1
                body = body[: max(0, len(body) - fault.drop)]
            if fault is not None and fault.kind == "duplicate_row" and isinstance(body, list):
                if len(body) > 1:  # a row repeated in place of another: the count is unchanged
                    with state.lock:
                        fault.hits += 1
                    body = [*body[:-1], body[0]]
            payload = (
                reply.raw
                if reply.raw is not None
                else json.dumps(body, separators=(",", ":")).encode()
            )
            if fault is not None and fault.kind == "truncated" and payload:
                payload = payload[: max(1, len(payload) // 2)]
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Elapsed-Time", "1")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextlib.contextmanager
def local_server(
    handler: type[BaseHTTPRequestHandler], name: str = "cbioportal-mock"
) -> Iterator[int]:
    """Run `handler` on 127.0.0.1 (ephemeral port) in a daemon thread; yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=name,
        daemon=True,
    )
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def serve_study(
    folder: str | Path,
    faults: Iterable[Fault] = (),
    *,
    require_token: str | None = None,
    panel_dirs: Sequence[str | Path] = (),
    tie_order: str = "stable",
    seed: int = 0,
) -> Iterator[tuple[str, ServerState]]:
    """Serve `folder` on 127.0.0.1 (ephemeral port); yields (base_url ending in /api, state).

    `tie_order` ("stable", "shuffled" as in cBioPortal v7, "unordered" as in v5/v6) is how paged
    mutation and clinical data queries order their rows (:class:`~cbioportal_server.routes.Api`).
    """
    model = load_model(
        str(Path(folder).resolve()), tuple(str(Path(p).resolve()) for p in panel_dirs)
    )
    state = ServerState(require_token=require_token, faults=list(faults))
    with local_server(make_handler(Api(model, tie_order, seed), state)) as port:
        yield f"http://127.0.0.1:{port}/api", state

"""A real HTTP server on loopback that serves fixture bodies and misbehaves on request."""

from __future__ import annotations

import functools
import gzip
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers: a body, a status and headers; or a custom handler."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    last_modified: str = ""
    gzip: bool = False
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (as a capped fetch does) is not an error to print."""

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class LoopbackServer:
    """ThreadingHTTPServer on 127.0.0.1, port 0, serving the routes set on it."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, b"not found", {"Content-Type": "text/plain"})
                    return
                if route.handler:
                    route.handler(self)
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self._send(304, b"", {"ETag": route.etag})
                    return
                if route.last_modified and (
                    self.headers.get("If-Modified-Since") == route.last_modified
                ):
                    self._send(304, b"", {"Last-Modified": route.last_modified})
                    return
                headers = dict(route.headers)
                body = route.body
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                if route.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
                    body = gzip.compress(body)
                    headers["Content-Encoding"] = "gzip"
                self._send(route.status, body, headers)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str = b"", **kwargs: object) -> str:
        """Serve BODY at PATH; returns the full URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def endless_body(handler: BaseHTTPRequestHandler) -> None:
    """Send 200 and then bytes forever (until the client hangs up)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        while True:
            handler.wfile.write(b"<p>" + b"x" * 65536 + b"</p>")
    except (BrokenPipeError, ConnectionResetError):
        return


def trickle_body(handler: BaseHTTPRequestHandler) -> None:
    """Send 200 and then one byte every 0.2 s for up to 30 s."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(150):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.2)
    except (BrokenPipeError, ConnectionResetError):
        return


def redirect_to(location: str) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler that answers 302 to LOCATION."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return handler


def send_raw(
    handler: BaseHTTPRequestHandler,
    *,
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with exactly these bytes and headers (no re-encoding), plus Content-Length."""
    handler.send_response(status)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        if body:
            handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        return


@dataclass
class Reply:
    """One canned answer in a sequence."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def replies(*answers: Reply) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler giving ANSWERS in turn, one per request, then repeating the last."""
    lock = threading.Lock()
    served = [0]

    def handler(h: BaseHTTPRequestHandler) -> None:
        with lock:
            answer = answers[min(served[0], len(answers) - 1)]
            served[0] += 1
        send_raw(h, status=answer.status, body=answer.body, headers=answer.headers)

    return handler


def silent(seconds: float = 3.0) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler that accepts the request and says nothing for SECONDS."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)

    return handler


@functools.cache
def gzip_bomb(size: int = 64 * 1024 * 1024, *, raw_deflate: bool = False) -> bytes:
    """SIZE bytes of zeros, gzipped (or raw deflate): a few hundred KB on the wire."""
    wbits = -zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS | 16
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


def serve_bomb(
    *, size: int = 64 * 1024 * 1024, coding: str = "gzip"
) -> Callable[[BaseHTTPRequestHandler], None]:
    """A handler that answers with a compression bomb labelled CODING."""
    body = gzip_bomb(size, raw_deflate=coding == "deflate")
    headers = {"Content-Type": "text/html", "Content-Encoding": coding}
    return lambda h: send_raw(h, body=body, headers=headers)


def paths_requested(server: LoopbackServer) -> Sequence[str]:
    """The paths the server was asked for, in order."""
    return [path for path, _headers in server.requests]


def serving() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server

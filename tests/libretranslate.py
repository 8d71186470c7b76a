"""A LibreTranslate-speaking server on loopback for the tests (translation providers and
article translations).

It speaks LibreTranslate's API (POST /translate, GET /languages, GET /spec) and "translates"
deterministically: a few words from a table, everything else upper-cased. That makes a
translation of pieces equal the translation of the whole text exactly when the provider cut
and rejoined it without losing or moving a character. It can be told to misbehave one
/translate request at a time (see the actions below).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from newsdesk.pipeline.translate import MAX_RESPONSE_BYTES

# What the fake server accepts as a key when it requires one.
GOOD_KEY = "good-key-7c1e"
BAD_KEY = "wrong-key-55aa93"

RU_EN = {"россия": "Russia", "президент": "president", "путин": "Putin", "сша": "USA"}
EN_RU = {"russia": "Россия", "president": "президент", "asia": "Азия", "china": "Китай"}
_WORD = re.compile(r"\w+")


def fake_translate(text: str, *, source: str) -> str:
    """The fake server's translation: table words swapped, all other words upper-cased."""
    table = RU_EN if source == "ru" else EN_RU
    return _WORD.sub(lambda m: table.get(m.group().lower(), m.group().upper()), text)


Action = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (as a capped read does) is not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class FakeLibreTranslate:
    """A ThreadingHTTPServer on 127.0.0.1:0 answering like LibreTranslate, ru↔en only."""

    def __init__(self) -> None:
        self.script: list[Action] = []
        self.translate_requests: list[dict[str, Any]] = []
        self.authorization: list[str] = []
        self.paths: list[str] = []
        self.key = ""
        self.char_limit = 5000
        self.spec: Action | None = None
        self.languages: Any = [
            {"code": "en", "name": "English", "targets": ["en", "ru"]},
            {"code": "ru", "name": "Russian", "targets": ["en", "ru"]},
        ]
        self.release = threading.Event()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body in one write: separate small writes meet Nagle and delayed ACKs.
            wbufsize = 64 * 1024

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                fake.paths.append(self.path)
                if self.path == "/languages":
                    action = fake.next_action()
                    if action:
                        action(self)
                    else:
                        send_json(self, 200, fake.languages)
                elif self.path == "/spec":
                    if fake.spec:
                        fake.spec(self)
                    else:
                        send_json(
                            self, 200, {"info": {"title": "LibreTranslate", "version": "1.6.4"}}
                        )
                else:
                    send_json(self, 404, {"error": "Not Found"})

            def do_POST(self) -> None:
                fake.paths.append(self.path)
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if self.path != "/translate":
                    send_json(self, 404, {"error": "Not Found"})
                    return
                payload = json.loads(raw)
                fake.translate_requests.append(payload)
                fake.authorization.append(self.headers.get("Authorization", ""))
                action = fake.next_action()
                if action:
                    action(self)
                else:
                    fake.answer(self, payload)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def where(self) -> str:
        return self.url.removeprefix("http://")

    def next_action(self) -> Action | None:
        with self.lock:
            return self.script.pop(0) if self.script else None

    def answer(self, handler: BaseHTTPRequestHandler, payload: dict[str, Any]) -> None:
        """What a healthy LibreTranslate says to PAYLOAD."""
        if self.key and payload.get("api_key") != self.key:
            # A careless server that repeats the key it was given: the client must not.
            given = payload.get("api_key", "")
            send_json(handler, 403, {"error": f"Invalid API key {given}"})
            return
        for field in ("source", "target"):
            if payload.get(field) not in {"ru", "en"}:
                send_json(handler, 400, {"error": f"{payload.get(field)} is not supported"})
                return
        q = payload.get("q")
        texts = q if isinstance(q, list) else [q]
        if not q or not all(isinstance(text, str) and text for text in texts):
            send_json(handler, 400, {"error": "Invalid request: missing q parameter"})
            return
        size = sum(len(text) for text in texts)
        if size > self.char_limit:
            message = f"Invalid request: request ({size}) exceeds text limit ({self.char_limit})"
            send_json(handler, 400, {"error": message})
            return
        done = [fake_translate(text, source=payload["source"]) for text in texts]
        send_json(handler, 200, {"translatedText": done if isinstance(q, list) else done[0]})

    def sizes(self) -> list[int]:
        """Characters each /translate request carried."""
        return [sum(map(len, as_list(r["q"]))) for r in self.translate_requests]

    def sent(self) -> list[str]:
        """Every text sent for translation, in order."""
        return [text for r in self.translate_requests for text in as_list(r["q"])]

    def reset(self) -> None:
        self.script.clear()
        self.translate_requests.clear()
        self.authorization.clear()
        self.paths.clear()
        self.key = ""
        self.char_limit = 5000
        self.spec = None
        self.languages = [
            {"code": "en", "name": "English", "targets": ["en", "ru"]},
            {"code": "ru", "name": "Russian", "targets": ["en", "ru"]},
        ]


def as_list(q: Any) -> list[str]:
    return q if isinstance(q, list) else [q]


def send_json(handler: BaseHTTPRequestHandler, status: int, body: Any, **headers: str) -> None:
    send_bytes(handler, status, json.dumps(body).encode(), **headers)


def send_bytes(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        return


def reply(status: int, body: Any, **headers: str) -> Action:
    """Answer once with STATUS and BODY (bytes as they are, anything else as JSON)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda handler: send_bytes(handler, status, data, **headers)


def hang(server: FakeLibreTranslate, seconds: float = 3.0) -> Action:
    """Read the request, then say nothing for SECONDS (or until the server is torn down)."""

    def action(handler: BaseHTTPRequestHandler) -> None:
        server.release.wait(seconds)
        handler.close_connection = True

    return action


def hang_up(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection without an answer."""
    handler.close_connection = True


def endless(handler: BaseHTTPRequestHandler) -> None:
    """200 and JSON-looking bytes forever, until the client hangs up."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.end_headers()
    handler.close_connection = True
    try:
        handler.wfile.write(b'{"translatedText": "')
        while True:
            handler.wfile.write(b"A" * 65536)
    except (BrokenPipeError, ConnectionResetError):
        return


def declared_huge(handler: BaseHTTPRequestHandler) -> None:
    """Declare a body far over the cap, send a little, hang up."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(MAX_RESPONSE_BYTES * 10))
    handler.end_headers()
    handler.close_connection = True
    try:
        handler.wfile.write(b'{"translatedText": "')
    except (BrokenPipeError, ConnectionResetError):
        return


def trickle(handler: BaseHTTPRequestHandler) -> None:
    """200, then one byte every 0.1 s for up to 5 s: each read is quick, the whole is not."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "50")
    handler.end_headers()
    handler.close_connection = True
    try:
        for _ in range(50):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.1)
    except (BrokenPipeError, ConnectionResetError):
        return


@contextmanager
def serving() -> Iterator[FakeLibreTranslate]:
    """A FakeLibreTranslate on loopback for the duration of the block."""
    server = FakeLibreTranslate()
    server.thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.httpd.shutdown()
        server.httpd.server_close()

"""Real servers on loopback that play the far side of outbound calls and dependencies.

- ``FakeHttpUpstream``: an HTTP server whose behaviour a test switches (healthy, slow,
  erroring, 4xx); it records every request it receives.
- ``SmtpSink``: an aiosmtpd SMTP server that keeps the messages it receives.
- ``TcpProxy``: forwards a loopback port to a real server (the test PostgreSQL) and can
  cut the line (reset every connection) or black-hole it (accept, never answer).
"""

import asyncio
import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.servers import free_port


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]


def _lower_keys(headers) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}


class _UpstreamHandler(BaseHTTPRequestHandler):
    server: "_UpstreamHttpServer"

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        upstream = self.server.upstream
        upstream.requests.append(
            ReceivedRequest(self.command, self.path, _lower_keys(self.headers))
        )
        if upstream.delay_seconds:
            time.sleep(upstream.delay_seconds)
        body = upstream.body.encode()
        try:
            self.send_response(upstream.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout): nothing to answer

    def log_message(self, format, *args):
        pass


class _UpstreamHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    upstream: "FakeHttpUpstream"


@dataclass
class FakeHttpUpstream:
    status: int = 200
    body: str = ""
    delay_seconds: float = 0
    requests: list[ReceivedRequest] = field(default_factory=list)

    def start(self) -> "FakeHttpUpstream":
        self._server = _UpstreamHttpServer(("127.0.0.1", 0), _UpstreamHandler)
        self._server.upstream = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self, *, status: int = 200, body: str = "", delay_seconds: float = 0) -> None:
        self.status, self.body, self.delay_seconds = status, body, delay_seconds
        self.requests.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def unused_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


class _CollectingHandler:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.delay_seconds = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def text_body(message: Message) -> str:
    """The plain-text body of a received mail, single part or multipart/alternative."""
    part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), message)
    return part.get_payload(decode=True).decode()


def html_body(message: Message) -> str | None:
    part = next((p for p in message.walk() if p.get_content_type() == "text/html"), None)
    return None if part is None else part.get_payload(decode=True).decode()


class SmtpSink:
    """A real SMTP server on a loopback port (a free one unless given); ``messages`` holds
    what it received."""

    def __init__(self, port: int | None = None, *, delay_seconds: float = 0) -> None:
        self.port = port or free_port()
        self._handler = _CollectingHandler()
        self._handler.delay_seconds = delay_seconds  # before accepting each message
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[Message]:
        return self._handler.messages

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    def wait_for(self, count: int, timeout: float = 15) -> list[Message]:
        """Wait until at least ``count`` messages arrived (a worker delivers them); all of them."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails arrived"
        return list(self.messages)

    def stop(self) -> None:
        self._controller.stop()


class TcpProxy:
    """A loopback TCP proxy to ``target`` with three modes: forward, reset, blackhole.

    ``reset`` closes every open connection and every new one at once (the server
    crashed or restarted); ``blackhole`` accepts connections and never answers (the
    server or network hangs). ``forward`` restores service.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = "forward"
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._sockets.update(socks)

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "reset":
                client.close()
            elif self.mode == "blackhole":
                self._track(client)
            else:
                self._connect(client)

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        self._track(client, upstream)
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def set_mode(self, mode: str) -> None:
        """Switch mode; leaving ``forward`` drops every open connection."""
        self.mode = mode
        self._drop_all()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self._drop_all()


class Stall:
    """A loopback server that accepts connections and never says a word (an SMTP server
    that hangs before its greeting); ``connections`` counts the ones it accepted."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        self._held: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._held.append(client)

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for sock in self._held:
            sock.close()

"""Local receivers for the alert channels, on 127.0.0.1: a minimal SMTP server (socketserver;
aiosmtpd is not a dependency, Python 3.11's smtpd is deprecated) and an HTTP webhook
receiver (http.server). Each keeps what it received and can be told to misbehave.

Run one by hand to watch a delivery: `python -m tests.alert_receivers smtp 8025` or
`python -m tests.alert_receivers http 8099` prints what arrives.
"""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import socket
import socketserver
import sys
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _SmtpHandler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        server: SmtpServer = self.server  # type: ignore[assignment]
        self._say("220 127.0.0.1 Pulse test SMTP")
        sender, recipients = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb, _, arg = command.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 127.0.0.1")  # no extensions: plain SMTP
            elif verb == "MAIL":
                sender, recipients = arg.partition(":")[2].strip("<> "), []
                self._say("250 OK")
            elif verb == "RCPT":
                address = arg.partition(":")[2].strip("<> ")
                if "refuse" in address:
                    self._say("550 no such user")
                else:
                    recipients.append(address)
                    self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                lines = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                if server.behaviour == "refuse_data":
                    self._say("554 rejected")
                elif server.behaviour == "drop_after_data":
                    server.dropped += 1
                    return  # close without answering: the sender cannot know
                else:
                    server.received.append(Received(sender, recipients, b"".join(lines)))
                    self._say("250 queued")
            elif verb in ("RSET", "NOOP"):
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _SmtpHandler)
        self.received: list[Received] = []
        self.behaviour = "ok"  # ok | refuse_data | drop_after_data
        self.dropped = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server_address[1]}"


@dataclass
class Post:
    headers: dict[str, str]
    body: bytes = field(repr=False)

    @property
    def json(self) -> dict:
        return json.loads(self.body.decode("utf-8"))


class _HookHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        server: HookServer = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if server.behaviour == "drop":
            server.dropped += 1
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status = 500 if server.behaviour == "error" else 200
        if status == 200:
            server.received.append(Post(dict(self.headers.items()), body))
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:  # keep pytest's output quiet
        pass


class HookServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _HookHandler)
        self.received: list[Post] = []
        self.behaviour = "ok"  # ok | error (HTTP 500) | drop (no response)
        self.dropped = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


def start(server: socketserver.BaseServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (a receiver that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    kind, port = sys.argv[1], int(sys.argv[2])
    server = SmtpServer(port) if kind == "smtp" else HookServer(port)
    print(f"listening on {server.url}", flush=True)
    start(server)
    seen = 0
    try:
        while True:
            threading.Event().wait(0.5)
            for item in server.received[seen:]:
                if isinstance(item, Received):
                    print(f"--- to {item.recipients}\n{item.message.get_content()}", flush=True)
                else:
                    print(f"--- POST {item.headers.get('Idempotency-Key')}\n{item.json['text']}")
            seen = len(server.received)
    except KeyboardInterrupt:
        server.shutdown()

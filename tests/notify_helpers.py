"""Real servers for the notification tests: an SMTP server (aiosmtpd on 127.0.0.1) and an HTTP
receiver for chat webhooks (http.server in a thread), plus the settings that point at them.

- ``inbox``: a running SMTP server; ``inbox.messages`` are the e-mails it received, parsed
  (``to``, ``subject``, ``text``, ``html``, which ``connection``), ``inbox.refuse`` addresses
  it answers 550 to.
- ``receiver``: a running HTTP server; ``receiver.url(path)`` is a webhook address,
  ``receiver.posts`` what arrived (path and JSON body), ``receiver.status[path]`` the status
  it answers (200 by default).
- ``notify_settings``: :class:`okrdata.notify.settings.Settings` pointing at ``inbox``, with
  the dashboard at ``https://okr.example.test``.
- ``ACTOR``: the keyword naming who writes, for the write functions of okrdata.writes (the
  system, where writes requires one).
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from okrdata import writes
from okrdata.notify.settings import Settings, Smtp

BASE_URL = "https://okr.example.test"
ACTOR = {"person": writes.SYSTEM} if hasattr(writes, "SYSTEM") else {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mail:
    """One e-mail as it arrived."""

    envelope_to: list[str]
    sender: str
    to: str
    subject: str
    text: str
    html: str
    raw: email.message.EmailMessage
    connection: int = 0
    """Which connection it came on (1, 2, ...: they are counted as clients greet the server)."""


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages: list[Mail] = []
        self.refuse: set[str] = set()
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        with self.lock:
            self.messages.append(
                Mail(
                    envelope_to=list(envelope.rcpt_tos),
                    sender=envelope.mail_from,
                    to=str(message["To"]),
                    subject=str(message["Subject"]),
                    text=text.get_content().replace("\r\n", "\n") if text else "",
                    html=html.get_content().replace("\r\n", "\n") if html else "",
                    raw=message,
                    connection=self.connections,
                )
            )
        return "250 Message accepted"

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.messages if address in m.envelope_to]


@pytest.fixture
def inbox():
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def notify_settings(inbox) -> Settings:
    return Settings(
        base_url=BASE_URL,
        smtp=Smtp(
            host="127.0.0.1",
            port=inbox.port,
            security="none",
            user=None,
            password=None,
            sender="okr@example.test",
            timeout=5,
        ),
    )


@dataclass
class Receiver:
    """What the chat webhook receiver got and how it answers."""

    port: int = 0
    posts: list[dict] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def at(self, path: str) -> list[dict]:
        return [p["body"] for p in self.posts if p["path"] == "/" + path.lstrip("/")]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            state.posts.append(
                {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "body": json.loads(raw.decode("utf-8")),
                }
            )
            code = state.status.get(self.path, 200)
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if code < 400 else b"server says no")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

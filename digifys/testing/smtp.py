"""A real SMTP server for tests (aiosmtpd in a thread): what arrived, and refusals on demand."""

import contextlib
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@dataclass
class SmtpServer:
    """Records every accepted message; `refuse(n, at=..., code=...)` refuses the next N."""

    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    _refusals: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, times: int = 1, *, at: str = "DATA", reply: str = "451 4.3.0 Try again later"):
        """Refuse the next TIMES messages at the RCPT or DATA step with REPLY."""
        with self._lock:
            self._refusals.extend([(at, reply)] * times)

    def _refusal(self, step: str) -> str | None:
        with self._lock:
            if self._refusals and self._refusals[0][0] == step:
                return self._refusals.pop(0)[1]
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._refusal("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self._refusal("DATA")
        if reply:
            return reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(
                Received(sender=envelope.mail_from, to=list(envelope.rcpt_tos), message=message)
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_smtp_server() -> Iterator[SmtpServer]:
    """`with running_smtp_server() as server:` an SMTP server on a free local port."""
    server = SmtpServer(port=free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()

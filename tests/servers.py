"""Real secret stores on loopback, started by the tests: OpenBao (`bao server -dev`, Vault's
API) and moto's server mode (AWS Secrets Manager). Each listens on 127.0.0.1 at a free port and
is stopped when the tests end."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def program(name: str) -> str:
    """A server program the test extras install next to the interpreter (never skipped: CI
    installs them, so a missing one is a failure)."""
    path = BIN / name
    if not path.exists():
        raise RuntimeError(f"{path} is missing: install the test extras (pip install -e "
                           "'.[test]')")
    return str(path)


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {seconds:g} s")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    token: str = ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_openbao(home: Path) -> Server:
    port = free_port()
    token = "dev-" + secrets.token_hex(16)
    home.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [program("bao"), "server", "-dev", f"-dev-root-token-id={token}",
         f"-dev-listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={"HOME": str(home), "PATH": os.environ.get("PATH", "")})
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/v1/sys/health", process)
    return Server(url, process, token)


def start_moto() -> Server:
    port = free_port()
    process = subprocess.Popen([program("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/moto-api/", process)
    return Server(url, process)


def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()


# --- misbehaving servers ---------------------------------------------------------------------

Behaviour = Callable[[socket.socket, threading.Event], None]


class FakeHttp:
    """A tiny HTTP server on 127.0.0.1: each connection's request is read and recorded, then
    ``behaviour(connection, stopping)`` answers it (or does not). Stopped when the test ends,
    which closes every connection it accepted."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[bytes] = []
        self.stopping = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _address = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections.append(connection)
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        request = b""
        try:
            connection.settimeout(2)  # may already be closed by stop(): then nothing to do
            while b"\r\n\r\n" not in request and len(request) < 65536:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                request += chunk
            self.requests.append(request)
            self.behaviour(connection, self.stopping)
        except OSError:
            pass
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


def silent(connection: socket.socket, stopping: threading.Event) -> None:
    """Accepts, reads the request, never answers."""
    stopping.wait(60)


def drip(connection: socket.socket, stopping: threading.Event) -> None:
    """Promises a big body, then sends one byte every 0.3 s (no read ever times out)."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 100000\r\n\r\n")
    while not stopping.wait(0.3):
        connection.sendall(b" ")


def drip_headers(connection: socket.socket, stopping: threading.Event) -> None:
    """Sends its status line and headers one byte every 0.3 s."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 500:
        if stopping.wait(0.3):
            return
        connection.sendall(bytes([byte]))


def answer(status: str, body: bytes | str, headers: tuple[str, ...] = (),
           content_type: str = "application/json") -> Behaviour:
    """Answers every request with this response."""
    data = body.encode() if isinstance(body, str) else body

    def behaviour(connection: socket.socket, stopping: threading.Event) -> None:
        head = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}",
                f"Content-Length: {len(data)}", "Connection: close", *headers]
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + data)

    return behaviour


def fake_http(behaviour: Behaviour) -> Iterator[FakeHttp]:
    server = FakeHttp(behaviour)
    try:
        yield server
    finally:
        server.stop()

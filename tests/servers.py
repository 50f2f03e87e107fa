"""Real secret stores on loopback, started by the tests: OpenBao (`bao server -dev`, Vault's
API) and moto's server mode (AWS Secrets Manager). Each listens on 127.0.0.1 at a free port and
is stopped when the tests end."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
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

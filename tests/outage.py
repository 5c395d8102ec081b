"""A Redis server of a test's own, on a free port, that the test may stop: never the shared one on 6379."""

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from sheba_retention.celery import app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    def __init__(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            pytest.fail("redis-server is not installed (Debian package redis-server); .ci/run installs it")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(  # noqa: S603  (our own arguments)
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _celery_reset() -> None:
    """Forget the broker connections and result backend Celery has cached, so the next task uses app.conf anew."""
    # Celery's own caches, private: app.pool, app.amqp.producer_pool and the per-thread result backend.
    setattr(app, "_pool", None)  # noqa: B010
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    setattr(app, "_local", threading.local())  # noqa: B010


@contextmanager
def celery_on(url: str) -> Iterator[None]:
    """Celery with a real broker and result backend at `url` (not eager) for the block."""
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    _celery_reset()
    try:
        yield
    finally:
        app.conf.update(saved)
        _celery_reset()

"""Running smscast as an operator does: real processes, real ports, signals.

Every process is the venv's own `smscast` (or `python -m ...`), with the settings in its
environment and its output in a file under the test's tmp_path, shown when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from smscast.config import Settings
from smscast.services import Services
from tests.conftest import TestDatabase

BIN = Path(sys.executable).with_name("smscast")
PYTHON = sys.executable
SECRET_KEY = "ops-test-secret-key-0123456789abcdef"  # the processes' and the tests' alike
# Starting a process is mostly imports: ~3 s on an idle 2-core machine, much more on a busy
# one. Waits for readiness are long; they cost nothing when things are quick.
STARTUP_S = 120
# SIGTERM to exit: HTTP grace (10 s) + the worker's drain (10 s) + unbinding, with room.
EXIT_WITHIN_S = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(db_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSCAST_")}
    return env | {
        "SMSCAST_DATABASE_URL": db_url,
        "SMSCAST_DATA_DIR": str(data_dir),
        "SMSCAST_SECRET_KEY": SECRET_KEY,
        "SMSCAST_CREDENTIAL_CACHE_S": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class Proc:
    """A child process whose stdout and stderr go to one file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path):
        self.name = name
        self.log = logs / f"{name}.log"
        self._file = self.log.open("ab")
        self.popen = subprocess.Popen(args, env=env, stdout=self._file, stderr=subprocess.STDOUT)

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def terminate(self, within: float) -> tuple[int, float]:
        """SIGTERM; return (exit code, seconds taken). Kill and fail after `within` s."""
        started = time.monotonic()
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            code = self.popen.wait(within)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(
                f"{self.name} still running {within} s after SIGTERM\n{self.output[-3000:]}"
            ) from None
        finally:
            self._file.close()
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.alive():
            self.popen.kill()
            self.popen.wait()
        self._file.close()


class Processes:
    """The processes of one test, killed at the end; their output printed if it failed."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.all: list[Proc] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> Proc:
        proc = Proc(name, args, env, self.logs)
        self.all.append(proc)
        return proc

    def smscast(self, name: str, *args: str, env: dict[str, str]) -> Proc:
        return self.start(name, [str(BIN), *args], env)

    def dump(self) -> str:
        return "\n".join(f"----- {p.name} -----\n{p.output[-4000:]}" for p in self.all)


@pytest.fixture
def procs(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Processes]:
    logs = tmp_path / "logs"
    logs.mkdir()
    ps = Processes(logs)
    try:
        yield ps
    finally:
        for p in ps.all:
            p.kill()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(ps.dump())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def run_cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def wait_until(predicate, timeout: float, every: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception):
            if predicate():
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not met within {timeout} s")
        time.sleep(every)


def http_ok(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


@contextlib.contextmanager
def simulator_thread(**config: object) -> Iterator[Any]:
    """An SMSC simulator on an event loop of its own thread, for synchronous tests that drive
    other processes (one interpreter fewer to start than `python -m ...simulator`)."""
    import asyncio
    import threading

    from smscast.connectors.simulator import Simulator, SimulatorConfig

    sim = Simulator(config=SimulatorConfig(**config))  # type: ignore[arg-type]
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(sim.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="simulator", daemon=True)
    thread.start()
    if not ready.wait(30):
        raise AssertionError("the simulator did not start")
    try:
        yield sim
    finally:
        asyncio.run_coroutine_threadsafe(sim.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    """For tests that call setup_logging(): put pytest's handlers and level back after."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers = handlers
        root.setLevel(level)


@pytest.fixture(scope="session", autouse=True)
def _close_polling_services(test_db: TestDatabase) -> Iterator[None]:
    # Depends on test_db so that it closes its connections before the databases are dropped.
    yield
    from tests.ops import state

    state.close()


@pytest.fixture
def fresh_db(test_db: TestDatabase, tmp_path: Path) -> str:
    """A migrated, empty database of this test's own (workers claim everything in theirs)."""
    return test_db.fresh(tmp_path)


@pytest.fixture
async def own_services(fresh_db: str, tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        database_url=fresh_db, data_dir=tmp_path, secret_key="test", credential_cache_s=0
    )
    svc = Services.build(settings, pool_size=5)
    try:
        yield svc
    finally:
        await svc.close()

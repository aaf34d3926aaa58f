"""`smscast doctor` says in plain words what is wrong, and exits 1 when anything is."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from smscast.cli.doctor import Finding, checks
from smscast.connectors.simulator import Simulator, SimulatorConfig
from tests.ops import state
from tests.ops.conftest import BIN, SECRET_KEY, env_for, free_port

pytestmark = pytest.mark.anyio


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Point Settings() at a database and data dir; return a setter for more variables."""

    def set_env(url: str | None = None, **values: str) -> None:
        monkeypatch.setenv("SMSCAST_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("SMSCAST_SECRET_KEY", SECRET_KEY)
        if url is not None:
            monkeypatch.setenv("SMSCAST_DATABASE_URL", url)
        for key, value in values.items():
            monkeypatch.setenv(f"SMSCAST_{key.upper()}", value)

    return set_env


def _add_smpp(url: str, tmp: Path, port: int, password: str = "pw") -> None:
    options = {"host": "127.0.0.1", "port": port, "system_id": "acme", "password": password}
    state.add_connector(url, tmp, "carrier", "smpp", options)


async def test_a_healthy_setup_passes_every_check(env, fresh_db, tmp_path) -> None:
    async with Simulator(config=SimulatorConfig(credentials={"acme": "pw"})) as sim:
        await asyncio.to_thread(_add_smpp, fresh_db, tmp_path, sim.port)
        env(fresh_db)
        found = by_check(await checks(2.0))
    assert {f.status for f in found.values()} <= {"ok", "warn"}, found
    assert found["database"].status == "ok"
    assert found["migrations"].status == "ok"
    assert found["connector carrier"].detail.startswith("bound to 127.0.0.1:")


async def test_a_placeholder_secret_in_production_is_named(env, fresh_db) -> None:
    env(fresh_db, env="production", secret_key="changeme")
    found = by_check(await checks(2.0))
    assert found["configuration"].status == "fail"
    assert "SMSCAST_SECRET_KEY must be set to a real secret" in found["configuration"].detail
    assert found["database"].status == "ok"  # the rest is still checked


async def test_a_data_dir_that_is_a_file_is_named(env, fresh_db, tmp_path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    env(fresh_db, data_dir=str(blocker))
    found = by_check(await checks(2.0))
    assert found["data directory"].status == "fail"
    assert "is not a directory" in found["data directory"].detail


async def test_a_missing_sqlite_file_is_not_created(env, tmp_path) -> None:
    path = tmp_path / "nowhere.db"
    env(f"sqlite:///{path}")
    found = by_check(await checks(2.0))
    assert found["database"].status == "fail"
    assert "run `smscast db upgrade`" in found["database"].detail
    assert found["migrations"].status == "skip"
    assert not path.exists()


async def test_an_unreachable_postgresql_is_named(env) -> None:
    env("postgresql://smscast:hunter2@127.0.0.1:1/smscast")  # nothing listens on port 1
    found = by_check(await checks(2.0))
    assert found["database"].status == "fail"
    assert found["database"].detail.startswith("cannot reach PostgreSQL at 127.0.0.1:1/smscast")
    assert "hunter2" not in found["database"].detail


async def test_migrations_behind_say_what_to_run(env, tmp_path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    sqlite3.connect(path).close()  # exists, holds no schema
    env(f"sqlite:///{path}")
    found = by_check(await checks(2.0))
    assert found["migrations"].status == "fail"
    assert "database at no schema" in found["migrations"].detail
    assert "run `smscast db upgrade`" in found["migrations"].detail


async def test_an_unreachable_connector_is_named(env, fresh_db, tmp_path) -> None:
    await asyncio.to_thread(_add_smpp, fresh_db, tmp_path, free_port())
    env(fresh_db)
    found = by_check(await checks(2.0))
    assert found["connector carrier"].status == "fail"
    assert "cannot reach 127.0.0.1:" in found["connector carrier"].detail


async def test_a_refused_bind_is_told_from_a_closed_port(env, fresh_db, tmp_path) -> None:
    async with Simulator(config=SimulatorConfig(credentials={"acme": "right"})) as sim:
        await asyncio.to_thread(_add_smpp, fresh_db, tmp_path, sim.port, "wrong")
        env(fresh_db)
        found = by_check(await checks(1.0))
    detail = found["connector carrier"].detail
    assert found["connector carrier"].status == "fail"
    assert "TCP to 127.0.0.1:" in detail and "bind as 'acme' failed" in detail
    assert "wrong" not in detail


async def test_the_command_exits_1_with_plain_words(tmp_path) -> None:
    env = env_for(f"sqlite:///{tmp_path / 'missing.db'}", tmp_path, SMSCAST_ENV="production")
    proc = await asyncio.create_subprocess_exec(
        str(BIN),
        "doctor",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = (await asyncio.wait_for(proc.communicate(), 180))[0].decode()
    assert proc.returncode == 1, out
    assert "FAIL  database" in out and "does not exist yet: run `smscast db upgrade`" in out
    assert out.rstrip().endswith("1 problem found.")


def test_the_command_exits_0_when_healthy(env, fresh_db, restore_root_logging) -> None:
    from typer.testing import CliRunner

    from smscast.cli.app import app

    env(fresh_db)
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    assert {c["status"] for c in report["checks"]} <= {"ok", "warn"}

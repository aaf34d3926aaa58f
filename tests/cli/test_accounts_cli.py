"""The CLI as a user runs it: a real process, environment configuration, JSON out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from smscast.config import Settings


def smscast(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "SMSCAST_DATA_DIR": str(settings.data_dir),
        "SMSCAST_DATABASE_URL": settings.database_url,
        "SMSCAST_SECRET_KEY": settings.secret_key,
    }
    exe = Path(sys.executable).with_name("smscast")
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=60)


def test_accounts_create_prints_the_credentials_once(settings):
    r = smscast(settings, "accounts", "create", "Acme Retail", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"account_id", "api_key", "api_secret"}
    listed = smscast(settings, "keys", "list", out["account_id"], "--json")
    keys = json.loads(listed.stdout)
    assert [k["api_key"] for k in keys] == [out["api_key"]]
    assert out["api_secret"] not in listed.stdout


def test_keys_rotate_and_revoke_from_the_cli(settings):
    out = json.loads(smscast(settings, "accounts", "create", "Rot", "--json").stdout)
    key_id = json.loads(smscast(settings, "keys", "list", out["account_id"], "--json").stdout)[0][
        "id"
    ]
    new = json.loads(smscast(settings, "keys", "rotate", out["account_id"], key_id).stdout)
    assert new["api_key"] != out["api_key"]
    keys = json.loads(smscast(settings, "keys", "list", out["account_id"], "--json").stdout)
    assert [k["revoked_at"] is not None for k in keys] == [True, False]
    r = smscast(settings, "keys", "revoke", out["account_id"], new["id"])
    assert r.returncode == 0


def test_cli_errors_are_plain_words_not_tracebacks(settings):
    r = smscast(
        settings,
        "keys",
        "revoke",
        "00000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-0000-000000000001",
    )
    assert r.returncode == 1
    assert "No such API key" in r.stderr
    assert "Traceback" not in r.stderr


def test_empty_account_name_is_refused(settings):
    r = smscast(settings, "accounts", "create", "  ")
    assert r.returncode == 1 and "name" in r.stderr

"""`smscast optouts`: the list, its history, CSV in and out, keywords, from the shell.

Run in process (typer's runner) against the session's database: the same code as the
`smscast` executable, without paying its start-up once per command.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smscast.cli.app import app
from smscast.config import Settings, get_settings


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SMSCAST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SMSCAST_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SMSCAST_SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.output, result.exception)
        return result.stdout

    yield run
    get_settings.cache_clear()


def test_add_import_list_export_remove_and_the_history_says_cli_and_import(cli, tmp_path: Path):
    account = json.loads(cli("accounts", "create", "CLI optouts", "--json"))["account_id"]
    assert "opted out" in cli("optouts", "add", account, "415 555 0951", "--detail", "phone call")
    source = tmp_path / "list.csv"
    source.write_text("number,detail\n+14155550952,web form\n=cmd|x,evil\n", encoding="utf-8")
    report = json.loads(cli("optouts", "import", account, str(source), "--json"))
    assert (report["opted_out"], report["rejected"]) == (1, 1)
    listed = json.loads(cli("optouts", "list", account, "--json"))["data"]
    assert [o["number"] for o in listed] == ["+14155550952", "+14155550951"]
    out = tmp_path / "out.csv"
    cli("optouts", "export", account, "-o", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r[:3] for r in rows] == [
        ["number", "sender", "source"],
        ["+14155550951", "", "cli"],
        ["+14155550952", "", "import"],
    ]
    assert "opted back in" in cli("optouts", "remove", account, "+14155550951")
    history = json.loads(cli("optouts", "history", account, "--json"))
    assert [(h["action"], h["source"]) for h in history] == [
        ("opt_in", "cli"),
        ("opt_out", "import"),
        ("opt_out", "cli"),
    ]
    cli("optouts", "remove", account, "+14155550951", code=1)  # not out any more


def test_keywords_replies_and_settings_from_the_cli(cli):
    account = json.loads(cli("accounts", "create", "CLI keywords", "--json"))["account_id"]
    assert "BAJA -> stop" in cli("optouts", "keywords", "add", account, "baja", "stop")
    cli("optouts", "keywords", "reply", account, "help", "Call 555-0100.")
    described = json.loads(cli("optouts", "keywords", "list", account, "--json"))
    assert described["replies"]["help"] == "Call 555-0100."
    assert {"keyword": "BAJA", "action": "stop", "built_in": False, "reply": None} in described[
        "keywords"
    ]
    settings = json.loads(cli("optouts", "settings", account, "--scope", "sender"))
    assert settings == {"optout_scope": "sender", "campaign_check": False}
    cli("optouts", "keywords", "add", account, "stop", "start", code=1)
    cli("optouts", "add", "00000000-0000-0000-0000-000000000000", "+14155550953", code=1)

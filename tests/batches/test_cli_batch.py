"""`smscast batch create --file F --campaign C` uploads, validates and schedules a file with
progress bars, and prints the batch."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from smscast.campaigns.schemas import CampaignIn
from tests.cli.test_accounts_cli import smscast
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


async def test_the_cli_sends_a_file_with_progress(
    services, settings, tenant: Tenant, tmp_path: Path
):
    principal = await services.credentials.verify_secret(tenant.api_key, tenant.api_secret)
    c = await services.campaigns.create(principal, CampaignIn(name="cli"))
    f = tmp_path / "b.csv"
    f.write_text("number,message\n+14155550100,Hello\n=bad,x\n+14155550101,Bye\n")
    r = smscast(settings, "batch", "create", "--file", str(f), "--campaign", str(c["id"]))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "PROCESSING"
    assert (out["counts"]["valid"], out["counts"]["invalid"], out["counts"]["messages"]) == (
        2,
        1,
        2,
    )
    said = " ".join(r.stderr.split())
    assert "upload" in said and "validate" in said and "schedule" in said
    assert "3 rows, 2 valid, 1 invalid" in said
    errors, _ = await services.batches.errors(principal, uuid.UUID(out["id"]), after=0, limit=10)
    assert [(e["row"], e["code"]) for e in errors] == [(3, "invalid_number")]

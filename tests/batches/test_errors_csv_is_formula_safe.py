"""The errors download is CSV a spreadsheet opens without running anything in it."""

from __future__ import annotations

import csv
import io

import pytest

from smscast.batches.service import safe_cell
from tests.batches.helpers import created
from tests.conftest import Tenant

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+14155550100", "'+14155550100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_cells_that_start_a_formula_are_quoted(cell, safe):
    assert safe_cell(cell) == safe


async def test_the_errors_csv_lists_every_error_safely(client, tenant: Tenant):
    content = (
        'number,message\n=cmd|" /C calc"!A0,x\n@SUM(1+1),y\n-1,z\n+14155550100,'
        + "w" * 1700
        + "\n+14155550100,dup\n"
    )
    batch = await created(client, tenant, content, action="VALIDATE")
    r = await client.get(f"/v1/batches/{batch['id']}/errors.csv", headers=tenant.basic)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["row", "column", "code", "reason", "value"]
    assert [row[0] for row in rows[1:]] == ["2", "3", "4", "5"]
    for row in rows[1:]:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", row
    assert rows[1][4].startswith("'=cmd")

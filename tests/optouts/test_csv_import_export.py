"""CSV import and export of the opt-out list: a round trip, and files that are not friendly."""

from __future__ import annotations

import csv
import io

import pytest

from smscast.optouts.csvio import format_rows, parse
from tests.conftest import make_tenant

pytestmark = pytest.mark.anyio


CSV = {"content-type": "text/csv"}


async def _export(client, tenant) -> str:
    r = await client.get("/v1/optouts/export", headers=tenant.basic)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    return r.text


async def test_import_then_export_round_trips(client, services):
    t = await make_tenant(services, "CSV")
    source = (
        "number,sender,detail\r\n"
        "+14155550601,,paper form\r\n"
        "(415) 555-0602,12345,\r\n"
        '4155550603,,"said ""stop"", twice"\r\n'
    )
    r = await client.post("/v1/optouts/import", content=source.encode(), headers={**t.basic, **CSV})
    assert r.status_code == 200, r.text
    assert r.json() == {"rows": 3, "opted_out": 3, "unchanged": 0, "rejected": 0, "errors": []}
    exported = await _export(client, t)
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == ["number", "sender", "source", "detail", "opted_out_at"]
    assert [r[:4] for r in rows[1:]] == [
        ["+14155550601", "", "import", "paper form"],
        ["+14155550602", "12345", "import", ""],
        ["+14155550603", "", "import", 'said "stop", twice'],
    ]
    # The export imports again as it is (into another account): the same list.
    u = await make_tenant(services, "CSV 2")
    again = await client.post(
        "/v1/optouts/import",
        files={"file": ("optouts.csv", exported.encode(), "text/csv")},
        headers=u.basic,
    )
    assert again.json()["opted_out"] == 3
    assert [r[:4] for r in csv.reader(io.StringIO(await _export(client, u)))][1:] == [
        r[:4] for r in rows[1:]
    ]
    history = (await client.get("/v1/optouts/history", headers=t.basic)).json()["data"]
    assert {c["source"] for c in history} == {"import"}


async def test_importing_numbers_already_out_changes_nothing(client, services):
    t = await make_tenant(services, "CSV again")
    body = b"+14155550611\n+14155550611\n+14155550612\n"
    first = await client.post("/v1/optouts/import", content=body, headers={**t.basic, **CSV})
    second = await client.post("/v1/optouts/import", content=body, headers={**t.basic, **CSV})
    assert (first.json()["opted_out"], first.json()["unchanged"]) == (2, 0)
    assert (second.json()["opted_out"], second.json()["unchanged"]) == (0, 2)
    history = (await client.get("/v1/optouts/history", headers=t.basic)).json()["data"]
    assert len(history) == 2


async def test_formula_cells_are_defused_on_export_and_restored_on_import(client, services):
    t = await make_tenant(services, "Hostile")
    hostile = [
        '=HYPERLINK("http://evil","x")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\tTAB",
    ]
    for i, detail in enumerate(hostile):
        await client.post(
            "/v1/optouts", json={"number": f"+1415555062{i}", "detail": detail}, headers=t.basic
        )
    exported = await _export(client, t)
    cells = [r[3] for r in csv.reader(io.StringIO(exported))][1:]
    assert all(c.startswith("'") for c in cells), cells
    assert all(not r[0].startswith("'") for r in csv.reader(io.StringIO(exported)))  # numbers
    u = await make_tenant(services, "Hostile 2")
    await client.post("/v1/optouts/import", content=exported.encode(), headers={**u.basic, **CSV})
    details = [
        o["detail"] for o in (await client.get("/v1/optouts", headers=u.basic)).json()["data"]
    ]
    assert sorted(details) == sorted(hostile)


async def test_formula_and_junk_rows_in_an_import_are_refused_row_by_row(client, services):
    t = await make_tenant(services, "Junk")
    body = b"phone,sender\n=1+1\n+14155550631,!!bad sender!!\n+14155550632\n\nnot a number,x\n"
    r = await client.post("/v1/optouts/import", content=body, headers={**t.basic, **CSV})
    assert r.status_code == 200
    out = r.json()
    assert (out["rows"], out["opted_out"], out["rejected"]) == (4, 1, 3)
    assert [(e["row"], e["code"]) for e in out["errors"]] == [
        (2, "invalid_number"),
        (3, "invalid_sender"),
        (6, "invalid_number"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # an image
        b"PK\x03\x04\x14\x00\x00\x00",  # a zip (an .xlsx)
        "+14155550641\n".encode("utf-16"),  # not UTF-8
        b"+14155550641\n\x1b[31mred\n",  # control characters
        b'"+14155550641\n',  # an unterminated quote
    ],
)
async def test_binary_or_broken_files_are_refused_whole(client, services, body):
    t = await make_tenant(services, "Binary")
    r = await client.post("/v1/optouts/import", content=body, headers={**t.basic, **CSV})
    assert r.status_code == 400, r.text
    assert r.json()["type"].endswith("invalid-csv")
    assert (await client.get("/v1/optouts", headers=t.basic)).json()["data"] == []


async def test_other_body_types_are_415(client, tenant):
    r = await client.post(
        "/v1/optouts/import", json={"number": "+14155550651"}, headers=tenant.basic
    )
    assert r.status_code == 415


def test_format_keeps_plain_numbers_and_quotes_what_csv_needs():
    text = format_rows([["+14155550661", "ACME", 'a "b", c', "-1"]])
    assert text == '+14155550661,ACME,"a ""b"", c",\'-1\r\n'
    parsed = parse(text, "US")
    assert [(r.number, r.sender, r.detail) for r in parsed.rows] == [
        ("+14155550661", "ACME", 'a "b", c')
    ]

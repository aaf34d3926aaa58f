"""Templates: placeholders are checked when saved; a preview renders one contact."""

from __future__ import annotations

import pytest

from smscast.templates.render import compile_body, render
from tests.conftest import Tenant


def test_placeholders_render_with_defaults_and_report_what_is_missing():
    compiled, problems = compile_body("Hi {{ first_name | there }}, {{code}} {{number}}", ["code"])
    assert problems == []
    assert render(compiled, {"first_name": "Ann", "code": "A1", "number": "+1"}) == (
        "Hi Ann, A1 +1", [],
    )  # fmt: skip
    assert render(compiled, {"first_name": "", "number": "+1"}) == ("Hi there,  +1", ["code"])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("Hi {{nickname}}", "unknown_placeholder"),
        ("Hi {{first_name}", "template_syntax"),
        ("Hi first_name}}", "template_syntax"),
        ("Hi {{}}", "invalid_placeholder"),
        ("Hi {{first name}}", "invalid_placeholder"),
        ("Hi {{ {{x}} }}", "template_syntax"),
    ],
)
def test_bad_placeholders_are_problems(body, code):
    _, problems = compile_body(body)
    assert code in {p.code for p in problems}


pytestmark = pytest.mark.anyio


async def test_a_template_with_an_unknown_placeholder_is_refused(client, tenant: Tenant):
    r = await client.post(
        "/v1/templates", json={"name": "t", "body": "Hi {{nickname}}"}, headers=tenant.basic
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "unknown_placeholder"
    ok = await client.post(
        "/v1/templates",
        json={"name": "t", "body": "Hi {{nickname|you}}", "attributes": ["nickname"]},
        headers=tenant.basic,
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["placeholders"] == [{"name": "nickname", "default": "you"}]
    r = await client.patch(
        f"/v1/templates/{ok.json()['id']}", json={"attributes": []}, headers=tenant.basic
    )
    assert r.status_code == 422


async def test_a_preview_renders_one_contact(client, tenant: Tenant):
    c = (
        await client.post(
            "/v1/contacts",
            json={"number": "+14155550100", "attributes": {"first_name": "Ann"}},
            headers=tenant.basic,
        )
    ).json()
    t = (
        await client.post(
            "/v1/templates",
            json={"name": "p", "body": "Hi {{first_name|there}} {{last_name}}"},
            headers=tenant.basic,
        )
    ).json()
    r = await client.post(
        f"/v1/templates/{t['id']}/preview", json={"contact_id": c["id"]}, headers=tenant.basic
    )
    assert r.status_code == 200, r.text
    assert (r.json()["body"], r.json()["missing"], r.json()["segments"]) == (
        "Hi Ann ",
        ["last_name"],
        1,
    )
    r = await client.post(
        f"/v1/templates/{t['id']}/preview",
        json={"number": "+14155550199", "attributes": {"last_name": "Lee"}},
        headers=tenant.basic,
    )
    assert (r.json()["body"], r.json()["missing"]) == ("Hi there Lee", [])
    r = await client.post(
        f"/v1/templates/{t['id']}/preview",
        json={"contact_id": "01a20000-0000-7000-8000-000000000000"},
        headers=tenant.basic,
    )
    assert r.status_code == 422


async def test_template_names_are_unique_and_a_used_template_stays(client, tenant: Tenant):
    body = {"name": "same", "body": "x"}
    t = (await client.post("/v1/templates", json=body, headers=tenant.basic)).json()
    assert (await client.post("/v1/templates", json=body, headers=tenant.basic)).status_code == 409
    assert (
        await client.delete(f"/v1/templates/{t['id']}", headers=tenant.basic)
    ).status_code == 204


@pytest.mark.parametrize(
    "body",
    [{}, {"name": "x"}, {"name": "x", "body": ""}, {"name": "x", "body": "b" * 1601},
     {"name": "x", "body": "b", "attributes": ["bad key"]}],
)  # fmt: skip
async def test_malformed_templates_are_refused(client, tenant: Tenant, body):
    assert (await client.post("/v1/templates", json=body, headers=tenant.basic)).status_code == 422

"""What the fuzz found, pinned down so it stays fixed.

- The OpenAPI document said errors were FastAPI's `{"detail": [...]}` in application/json
  (422 only); they are RFC 9457 problems, of any 4xx/5xx status.
- The token endpoint's RFC 6749 errors and its form body were not documented.
- A 405 named only the first route's methods in Allow (`OPTIONS /v1/keys`: `GET`), not
  every method of the resource.
"""

from __future__ import annotations

import pytest

from tests.security.conftest import openapi_document

pytestmark = pytest.mark.anyio


def test_every_operation_documents_its_errors():
    document = openapi_document()
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            assert "default" in responses or {"400", "401"} <= responses.keys(), (method, path)
            if path != "/v1/oauth/token" and "default" in responses:
                content = responses["default"]["content"]
                assert "application/problem+json" in content, (method, path)
            for status, answer in responses.items():
                if status == "422":
                    assert "application/problem+json" in answer.get("content", {}), (method, path)


async def test_a_validation_error_is_the_problem_the_document_describes(client, tenant):
    r = await client.get("/v1/messages", params={"limit": 0}, headers=tenant.basic)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    schema = openapi_document()["paths"]["/v1/messages"]["get"]["responses"]
    required = schema["default"]["content"]["application/problem+json"]["schema"]["required"]
    assert set(required) <= r.json().keys()


def test_the_token_endpoint_documents_its_own_error_shape_and_body():
    op = openapi_document()["paths"]["/v1/oauth/token"]["post"]
    for status in ("400", "401"):
        schema = op["responses"][status]["content"]["application/json"]["schema"]
        assert schema["required"] == ["error"]
    form = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["properties"]["grant_type"]["enum"] == ["client_credentials"]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/v1/keys", "GET, POST"),
        ("/v1/messages/bulk", "POST"),
    ],
)
async def test_405_names_every_method_of_the_resource(client, tenant, path, allowed):
    r = await client.request("OPTIONS", path, headers=tenant.basic)
    assert r.status_code == 405
    assert r.headers["Allow"] == allowed
    assert r.headers["content-type"] == "application/problem+json"

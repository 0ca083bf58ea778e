"""The served documentation: a valid schema, and pages that load nothing from elsewhere."""

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


def test_schema_documents_every_endpoint_with_problem_errors(api):
    schema = api.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/me"} <= set(
        schema["paths"]
    )
    register = schema["paths"]["/api/v1/auth/register"]["post"]
    assert {"201", "400", "409", "413", "415"} <= set(register["responses"])
    conflict = register["responses"]["409"]["content"]["application/problem+json"]
    assert conflict["schema"]["$ref"].endswith("/Problem")
    assert conflict["examples"]
    me = schema["paths"]["/api/v1/auth/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


@pytest.mark.parametrize("url", ["/docs", "/redoc"])
def test_docs_pages_load_nothing_from_other_origins(api, url):
    response = api.get(url, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "fonts.googleapis" not in html
    for asset in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html):
        if asset.startswith("/static/"):
            assert api.get(asset).status_code == 200, asset


def test_swagger_initializer_script_is_served_locally(api):
    script = api.get("/docs?script=").content.decode()

    assert "SwaggerUIBundle" in script
    assert "//cdn" not in script

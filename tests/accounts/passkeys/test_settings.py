"""The relying party's settings, as an operator sets them."""

import pytest

from tests.servers import run_manage


def test_the_relying_party_defaults_serve_local_development(settings):
    assert settings.AUTH_WEBAUTHN_RP_ID == "localhost"
    assert settings.AUTH_WEBAUTHN_RP_NAME == "authsvc"
    assert settings.AUTH_WEBAUTHN_ORIGINS == ["http://localhost:8000"]


@pytest.mark.parametrize(
    "origins", ["https://app.example/", "app.example", "https://app.example/login", ","]
)
def test_an_origin_that_is_not_scheme_host_port_stops_startup(origins):
    result = run_manage("check", DJANGO_DEBUG="1", AUTH_WEBAUTHN_ORIGINS=origins)

    assert result.returncode != 0
    assert "AUTH_WEBAUTHN_ORIGINS" in result.stderr


def test_several_origins_are_accepted():
    origins = "https://app.example,https://admin.example:8443"

    assert run_manage("check", DJANGO_DEBUG="1", AUTH_WEBAUTHN_ORIGINS=origins).returncode == 0

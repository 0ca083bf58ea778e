from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import UserFactory
from tests.problem import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/me"


def _bearer(token) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_me_returns_the_token_owner(api):
    user = UserFactory()
    token = AccessToken.for_user(user)

    response = api.get(URL, **_bearer(token))

    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "username": user.username,
        "email": user.email,
        "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
        "last_login": None,
    }


def test_access_token_carries_user_id_in_sub(api):
    user = UserFactory()

    token = AccessToken.for_user(user)

    assert token["sub"] == str(user.id)


def test_me_without_token_returns_401_not_authenticated(api):
    response = api.get(URL)

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="authsvc"'


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer a.b.c", "Bearer ", "Bearer one two"])
def test_me_with_malformed_token_returns_401(api, header):
    response = api.get(URL, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["code"] in {"token_invalid", "not_authenticated"}
    assert response["Content-Type"] == "application/problem+json"


def test_me_with_garbage_token_returns_token_invalid(api):
    response = api.get(URL, HTTP_AUTHORIZATION="Bearer garbage")

    assert_problem(response, 401, "token_invalid")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_me_with_expired_token_returns_token_invalid(api):
    token = AccessToken.for_user(UserFactory())
    token.set_exp(lifetime=-timedelta(seconds=120))

    assert_problem(api.get(URL, **_bearer(token)), 401, "token_invalid")


def test_me_with_tampered_token_returns_token_invalid(api):
    token = str(AccessToken.for_user(UserFactory()))
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    assert_problem(api.get(URL, **_bearer(tampered)), 401, "token_invalid")


def test_me_with_refresh_token_returns_token_invalid(api):
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = RefreshToken.for_user(UserFactory())

    assert_problem(api.get(URL, **_bearer(refresh)), 401, "token_invalid")


def test_me_for_deactivated_user_returns_token_invalid(api):
    user = UserFactory()
    token = AccessToken.for_user(user)
    user.is_active = False
    user.save()

    assert_problem(api.get(URL, **_bearer(token)), 401, "token_invalid")


def test_me_for_deleted_user_returns_token_invalid(api):
    user = UserFactory()
    token = AccessToken.for_user(user)
    user.delete()

    assert_problem(api.get(URL, **_bearer(token)), 401, "token_invalid")

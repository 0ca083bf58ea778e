import pytest

from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, claims_of, forge, issue_pair, now

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/me"


def test_me_returns_the_token_owner(api):
    user = UserFactory()
    access = issue_pair(user)["access"]

    response = api.get(URL, **bearer(access))

    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "username": user.username,
        "email": user.email,
        "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
        "last_login": None,
        "email_verified": False,
    }


def test_me_is_never_cached(api):
    response = api.get(URL, **bearer(issue_pair(UserFactory())["access"]))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_access_token_carries_user_id_in_sub(api):
    user = UserFactory()

    access = issue_pair(user)["access"]

    assert claims_of(access)["sub"] == str(user.id)


def test_me_costs_exactly_one_query(api, django_assert_num_queries):
    # given a valid access token
    access = issue_pair(UserFactory())["access"]

    # when /me is called, then the user and the session's liveness come from one joined query
    with django_assert_num_queries(1):
        response = api.get(URL, **bearer(access))
    assert response.status_code == 200


def test_me_without_token_returns_401_not_authenticated(api):
    response = api.get(URL)

    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="authsvc"'


def test_me_with_another_auth_scheme_returns_not_authenticated(api):
    response = api.get(URL, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")

    assert_problem(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    "header", ["Bearer garbage", "Bearer a.b.c", "Bearer ", "Bearer one two", "Bearer \xe9"]
)
def test_me_with_malformed_token_returns_token_invalid(api, header):
    response = api.get(URL, HTTP_AUTHORIZATION=header)

    assert_problem(response, 401, "token_invalid")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_me_with_expired_token_returns_token_invalid(api):
    access = issue_pair(UserFactory())["access"]
    expired = forge(access, iat=now() - 3600, exp=now() - 120)

    assert_problem(api.get(URL, **bearer(expired)), 401, "token_invalid")


def test_me_with_tampered_token_returns_token_invalid(api):
    access = issue_pair(UserFactory())["access"]
    tampered = access[:-4] + ("AAAA" if not access.endswith("AAAA") else "BBBB")

    assert_problem(api.get(URL, **bearer(tampered)), 401, "token_invalid")


def test_me_with_refresh_token_returns_token_invalid(api):
    refresh = issue_pair(UserFactory())["refresh"]

    assert_problem(api.get(URL, **bearer(refresh)), 401, "token_invalid")


def test_me_for_deactivated_user_returns_token_invalid(api):
    user = UserFactory()
    access = issue_pair(user)["access"]
    user.is_active = False
    user.save()

    assert_problem(api.get(URL, **bearer(access)), 401, "token_invalid")


def test_me_for_deleted_user_returns_token_invalid(api):
    user = UserFactory()
    access = issue_pair(user)["access"]
    user.delete()

    assert_problem(api.get(URL, **bearer(access)), 401, "token_invalid")

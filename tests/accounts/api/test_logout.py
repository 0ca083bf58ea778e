"""POST /api/v1/auth/logout and /logout-all: sessions end, and their tokens stop at once."""

import logging

import pytest

from accounts.models import LoginSession, RevokeReason
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, claims_of, issue_pair

pytestmark = pytest.mark.django_db

LOGOUT = "/api/v1/auth/logout"
LOGOUT_ALL = "/api/v1/auth/logout-all"
REFRESH = "/api/v1/auth/token/refresh"
ME = "/api/v1/auth/me"


def _session(token: str) -> LoginSession:
    return LoginSession.objects.get(id=claims_of(token)["sid"])


def test_logout_revokes_the_refresh_tokens_family_and_its_access_tokens_at_once(api, caplog):
    # given a session
    caplog.set_level(logging.INFO, logger="authsvc.audit")
    pair = issue_pair(UserFactory())

    # when the user logs out with its refresh token
    response = api.post(
        LOGOUT, {"refresh": pair["refresh"]}, format="json", **bearer(pair["access"])
    )

    # then 204, and neither token works any more
    assert response.status_code == 204
    assert response.content == b""
    assert _session(pair["refresh"]).revoke_reason == RevokeReason.LOGOUT
    assert_problem(
        api.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401, "token_invalid"
    )
    assert_problem(api.get(ME, **bearer(pair["access"])), 401, "token_invalid")
    assert [r.audit_action for r in caplog.records if r.name == "authsvc.audit"] == ["logout"]


def test_logout_of_another_session_of_the_same_user_keeps_this_one(api):
    user = UserFactory()
    phone, laptop = issue_pair(user), issue_pair(user)

    response = api.post(
        LOGOUT, {"refresh": phone["refresh"]}, format="json", **bearer(laptop["access"])
    )

    assert response.status_code == 204
    assert _session(phone["refresh"]).revoked_at is not None
    assert _session(laptop["refresh"]).revoked_at is None
    assert api.get(ME, **bearer(laptop["access"])).status_code == 200


def test_logout_without_a_body_ends_the_session_of_the_access_token(api):
    pair = issue_pair(UserFactory())

    response = api.post(LOGOUT, **bearer(pair["access"]))

    assert response.status_code == 204
    assert _session(pair["refresh"]).revoked_at is not None


def test_logout_is_idempotent(api):
    user = UserFactory()
    first, other = issue_pair(user), issue_pair(user)
    api.post(LOGOUT, {"refresh": first["refresh"]}, format="json", **bearer(other["access"]))

    again = api.post(
        LOGOUT, {"refresh": first["refresh"]}, format="json", **bearer(other["access"])
    )

    assert again.status_code == 204


def test_logout_with_another_users_refresh_token_is_refused_and_revokes_nothing(api):
    mine, theirs = issue_pair(UserFactory()), issue_pair(UserFactory())

    response = api.post(
        LOGOUT, {"refresh": theirs["refresh"]}, format="json", **bearer(mine["access"])
    )

    body = assert_problem(response, 403, "permission_denied")
    assert theirs["refresh"] not in str(body)
    assert not LoginSession.objects.filter(revoked_at__isnull=False).exists()


def test_logout_with_an_invalid_refresh_token_returns_token_invalid(api):
    pair = issue_pair(UserFactory())

    response = api.post(LOGOUT, {"refresh": "garbage"}, format="json", **bearer(pair["access"]))

    assert_problem(response, 401, "token_invalid")
    assert _session(pair["refresh"]).revoked_at is None


def test_logout_with_an_access_token_in_place_of_refresh_returns_token_invalid(api):
    pair = issue_pair(UserFactory())

    response = api.post(
        LOGOUT, {"refresh": pair["access"]}, format="json", **bearer(pair["access"])
    )

    assert_problem(response, 401, "token_invalid")


@pytest.mark.parametrize("url", [LOGOUT, LOGOUT_ALL])
def test_logout_without_access_token_returns_not_authenticated(api, url):
    pair = issue_pair(UserFactory())

    response = api.post(url, {"refresh": pair["refresh"]}, format="json")

    assert_problem(response, 401, "not_authenticated")
    assert _session(pair["refresh"]).revoked_at is None


def test_logout_all_revokes_every_session_of_the_user_only(api):
    # given three sessions of one user and one of another
    user = UserFactory()
    pairs = [issue_pair(user) for _ in range(3)]
    stranger = issue_pair(UserFactory())

    # when the user logs out everywhere
    response = api.post(LOGOUT_ALL, **bearer(pairs[0]["access"]))

    # then every one of the user's tokens is dead; the stranger is unaffected
    assert response.status_code == 204
    for pair in pairs:
        assert_problem(api.get(ME, **bearer(pair["access"])), 401, "token_invalid")
        assert_problem(
            api.post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401, "token_invalid"
        )
    assert set(LoginSession.objects.filter(user=user).values_list("revoke_reason", flat=True)) == {
        RevokeReason.LOGOUT_ALL
    }
    assert api.get(ME, **bearer(stranger["access"])).status_code == 200

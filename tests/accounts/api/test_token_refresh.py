"""POST /api/v1/auth/token/refresh: rotation, reuse detection, the grace window, refusals."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import LoginSession, RevokeReason
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, claims_of, forge, issue_pair, new_uuid

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/refresh"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


def _refresh(api, token):
    return api.post(URL, {"refresh": token}, format="json")


def _audit_actions(caplog) -> list[str]:
    return [r.audit_action for r in caplog.records if r.name == "authsvc.audit"]


@pytest.fixture
def audit(caplog):
    caplog.set_level(logging.INFO, logger="authsvc.audit")
    return caplog


def test_refresh_returns_a_new_pair_in_the_same_session(api):
    # given a login session
    user = UserFactory()
    first = issue_pair(user)

    # when its refresh token is used
    response = _refresh(api, first["refresh"])

    # then a new pair comes back, uncacheable, in the same session, for the same user
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    assert body["refresh"] != first["refresh"]
    new_claims, old_claims = claims_of(body["refresh"]), claims_of(first["refresh"])
    assert new_claims["sid"] == old_claims["sid"]
    assert new_claims["sub"] == str(user.id)
    assert new_claims["jti"] != old_claims["jti"]
    assert api.get(ME, **bearer(body["access"])).status_code == 200


def test_refresh_updates_the_session_row_without_storing_tokens(api):
    pair = issue_pair(UserFactory())

    body = _refresh(api, pair["refresh"]).json()

    session = LoginSession.objects.get()
    assert session.current_jti == claims_of(body["refresh"])["jti"]
    assert session.previous_jti == claims_of(pair["refresh"])["jti"]
    assert session.rotated_at is not None
    row = " ".join(str(value) for value in LoginSession.objects.values().get().values())
    assert pair["refresh"] not in row
    assert body["refresh"] not in row
    assert body["refresh"].split(".")[2] not in row  # not even the signature


# The rate-limit counter in the default shared store (the database cache table): the add a
# live key refuses, then SAVEPOINT, read, update, RELEASE. With REDIS_URL it is one INCR.
RATE_COUNTER_QUERIES = 5


def test_refresh_costs_three_queries_beside_the_rate_counter(api, django_assert_num_queries):
    user = UserFactory()
    _refresh(api, issue_pair(user)["refresh"])  # the rate-limit key exists, as in steady state
    refresh = issue_pair(user)["refresh"]

    # the session joined with its user, the conditional UPDATE that consumes the token,
    # and the token_refreshed audit row (no lockout lookup: a lock does not stop a refresh)
    with django_assert_num_queries(3 + RATE_COUNTER_QUERIES):
        response = _refresh(api, refresh)
    assert response.status_code == 200


def test_refresh_is_rate_limited_per_client_ip_before_any_token_check(api, settings):
    settings.AUTH_REFRESH_RATE = "3/m"
    for _ in range(3):
        assert_problem(_refresh(api, "not-a-token"), 401, "token_invalid")

    # the fourth attempt is refused before the token is even read: a good one too
    response = _refresh(api, issue_pair(UserFactory())["refresh"])

    body = assert_problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "token" not in body.get("detail", "").lower()
    # another client is not affected
    other = api.post(
        URL, {"refresh": issue_pair(UserFactory())["refresh"]}, format="json",
        REMOTE_ADDR="198.51.100.9",
    )  # fmt: skip
    assert other.status_code == 200


def test_refresh_records_an_audit_event(api, audit):
    _refresh(api, issue_pair(UserFactory())["refresh"])

    assert _audit_actions(audit) == ["token_refreshed"]


def test_refreshed_tokens_rotate_again(api):
    token = issue_pair(UserFactory())["refresh"]

    for _ in range(3):
        response = _refresh(api, token)
        assert response.status_code == 200
        token = response.json()["refresh"]


def test_reusing_a_retired_refresh_token_revokes_the_whole_family(api, audit, settings):
    # given a session whose refresh token was rotated, outside the grace window
    settings.AUTH_REFRESH_REUSE_GRACE_SECONDS = 0
    first = issue_pair(UserFactory())
    second = _refresh(api, first["refresh"]).json()
    LoginSession.objects.update(rotated_at=timezone.now() - timedelta(seconds=5))

    # when the retired token is presented again
    response = _refresh(api, first["refresh"])

    # then it is refused, and the session's current tokens die with it
    body = assert_problem(response, 401, "token_invalid")
    assert first["refresh"] not in str(body)
    session = LoginSession.objects.get()
    assert session.revoke_reason == RevokeReason.REUSE_DETECTED
    assert_problem(_refresh(api, second["refresh"]), 401, "token_invalid")
    assert_problem(api.get(ME, **bearer(second["access"])), 401, "token_invalid")
    assert "token_reuse_detected" in _audit_actions(audit)


def test_reusing_an_older_token_inside_the_grace_window_is_still_reuse(api):
    first = issue_pair(UserFactory())
    second = _refresh(api, first["refresh"]).json()
    third = _refresh(api, second["refresh"]).json()

    response = _refresh(api, first["refresh"])  # two rotations old: not the predecessor

    assert_problem(response, 401, "token_invalid")
    assert LoginSession.objects.get().revoke_reason == RevokeReason.REUSE_DETECTED
    assert_problem(_refresh(api, third["refresh"]), 401, "token_invalid")


def test_predecessor_within_grace_is_refused_without_killing_the_session(api, audit):
    # given a rotation just now (a second tab still holds the old token)
    first = issue_pair(UserFactory())
    second = _refresh(api, first["refresh"]).json()

    # when the predecessor is presented within the grace window
    response = _refresh(api, first["refresh"])

    # then it is refused but nothing is revoked: the current token still works
    assert_problem(response, 401, "token_invalid")
    assert LoginSession.objects.get().revoked_at is None
    assert "token_reuse_detected" not in _audit_actions(audit)
    assert _refresh(api, second["refresh"]).status_code == 200


def test_predecessor_after_the_grace_window_is_reuse(api, settings):
    settings.AUTH_REFRESH_REUSE_GRACE_SECONDS = 20
    first = issue_pair(UserFactory())
    _refresh(api, first["refresh"])
    LoginSession.objects.update(rotated_at=timezone.now() - timedelta(seconds=21))

    assert_problem(_refresh(api, first["refresh"]), 401, "token_invalid")
    assert LoginSession.objects.get().revoke_reason == RevokeReason.REUSE_DETECTED


def test_refresh_of_a_revoked_session_is_refused(api):
    pair = issue_pair(UserFactory())
    LoginSession.objects.update(revoked_at=timezone.now(), revoke_reason=RevokeReason.LOGOUT)

    assert_problem(_refresh(api, pair["refresh"]), 401, "token_invalid")


def test_refresh_of_an_expired_session_is_refused(api):
    pair = issue_pair(UserFactory())
    LoginSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert_problem(_refresh(api, pair["refresh"]), 401, "token_invalid")


def test_refresh_past_the_absolute_end_is_refused_however_recently_used(api, settings):
    # given a session refreshed a moment ago whose password proof is older than the max age
    settings.AUTH_SESSION_MAX_AGE = 3600
    pair = issue_pair(UserFactory())
    LoginSession.objects.update(
        authenticated_at=timezone.now() - timedelta(seconds=3601),
        last_used_at=timezone.now(),
    )

    # then no refresh extends it
    assert_problem(_refresh(api, pair["refresh"]), 401, "token_invalid")


def test_refresh_near_the_absolute_end_cuts_both_tokens_short(api, settings):
    # given a session with 100 seconds left of its absolute lifetime
    settings.AUTH_SESSION_MAX_AGE = 3600
    pair = issue_pair(UserFactory())
    LoginSession.objects.update(authenticated_at=timezone.now() - timedelta(seconds=3500))

    # when it is refreshed
    response = _refresh(api, pair["refresh"])

    # then neither token, nor the session row, outlives the absolute end
    assert response.status_code == 200, response.content
    body = response.json()
    assert 90 <= body["expires_in"] <= 100
    session = LoginSession.objects.get()
    end = session.authenticated_at + timedelta(seconds=3600)
    assert session.expires_at == end
    for token in (body["access"], body["refresh"]):
        assert claims_of(token)["exp"] <= int(end.timestamp()) + 1


def test_refresh_far_from_the_absolute_end_keeps_the_idle_timeout(api, settings):
    pair = issue_pair(UserFactory())

    body = _refresh(api, pair["refresh"]).json()

    claims = claims_of(body["refresh"])
    assert claims["exp"] - claims["iat"] == settings.REFRESH_TOKEN_TTL_SECONDS
    assert body["expires_in"] == settings.ACCESS_TOKEN_TTL_SECONDS


def test_refresh_of_a_deleted_session_is_refused(api):
    pair = issue_pair(UserFactory())
    LoginSession.objects.all().delete()

    assert_problem(_refresh(api, pair["refresh"]), 401, "token_invalid")


def test_refresh_for_an_inactive_user_is_refused(api):
    user = UserFactory()
    pair = issue_pair(user)
    user.is_active = False
    user.save()

    assert_problem(_refresh(api, pair["refresh"]), 401, "token_invalid")


@pytest.fixture
def locked_user_with_earlier_refresh(api, settings):
    """A user who logged in (keeping the refresh token), then was locked by real failed logins."""
    settings.AUTH_LOGIN_RATE = "1000/h"  # the per-IP limit must not answer before the lockout
    user = UserFactory()
    login = api.post(LOGIN, {"login": user.username, "password": user.raw_password}, format="json")
    assert login.status_code == 200, login.content
    failures = [
        api.post(LOGIN, {"login": user.username, "password": "Wrong-1"}, format="json")
        for _ in range(settings.AUTH_LOCKOUT_THRESHOLD)
    ]
    assert [response.status_code for response in failures] == [401] * len(failures)
    locked = api.post(LOGIN, {"login": user.username, "password": user.raw_password}, format="json")
    assert_problem(locked, 423, "account_locked")
    return user, login.json()["refresh"]


def test_refresh_for_a_locked_user_keeps_working(api, settings, locked_user_with_earlier_refresh):
    # given a session from before the lock; the login itself is refused (423, in the fixture)
    user, refresh = locked_user_with_earlier_refresh

    # when: refreshed during the lock
    response = _refresh(api, refresh)

    # then: the owner's session goes on; only password guessing is stopped
    assert response.status_code == 200, response.content
    assert claims_of(response.json()["refresh"])["sub"] == str(user.id)
    assert api.get(ME, **bearer(response.json()["access"])).json()["id"] == str(user.id)
    assert_problem(
        api.post(LOGIN, {"login": user.username, "password": user.raw_password}, format="json"),
        423,
        "account_locked",
    )


def test_refresh_after_a_password_change_elsewhere_is_refused(api):
    # given a session, then a password change made by another path after it was issued
    user = UserFactory()
    pair = issue_pair(user)
    user.set_password("An0ther-Secret!")
    user.password_changed_at = timezone.now() + timedelta(seconds=1)
    user.save()

    assert_problem(_refresh(api, pair["refresh"]), 401, "token_invalid")


def test_refresh_with_an_access_token_is_refused(api):
    access = issue_pair(UserFactory())["access"]

    assert_problem(_refresh(api, access), 401, "token_invalid")


def test_refresh_token_naming_another_users_session_is_refused(api):
    mine, theirs = issue_pair(UserFactory()), issue_pair(UserFactory())
    crossed = forge(mine["refresh"], sid=claims_of(theirs["refresh"])["sid"])

    assert_problem(_refresh(api, crossed), 401, "token_invalid")
    assert not LoginSession.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.parametrize("sid", ["not-a-uuid", 42, None])
def test_refresh_token_with_a_malformed_sid_is_refused(api, sid):
    refresh = issue_pair(UserFactory())["refresh"]

    assert_problem(_refresh(api, forge(refresh, sid=sid)), 401, "token_invalid")


def test_refresh_token_with_an_unknown_sid_is_refused(api):
    refresh = issue_pair(UserFactory())["refresh"]

    assert_problem(_refresh(api, forge(refresh, sid=new_uuid())), 401, "token_invalid")


def test_refresh_token_with_a_non_string_jti_is_refused(api):
    refresh = issue_pair(UserFactory())["refresh"]

    assert_problem(_refresh(api, forge(refresh, jti=7)), 401, "token_invalid")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "refresh"),
        ({"refresh": ""}, "refresh"),
        ({"refresh": None}, "refresh"),
        ({"refresh": ["a"]}, "refresh"),
        ({"refresh": "x" * 5000}, "refresh"),
    ],
)
def test_refresh_with_a_bad_body_returns_validation_error(api, payload, field):
    body = assert_problem(api.post(URL, payload, format="json"), 400, "validation_error")

    assert field in body["errors"]


def test_refresh_with_garbage_returns_token_invalid(api):
    assert_problem(_refresh(api, "garbage"), 401, "token_invalid")


def test_refresh_with_a_form_body_returns_415(api):
    response = api.post(URL, "refresh=x", content_type="application/x-www-form-urlencoded")

    assert_problem(response, 415, "unsupported_media_type")

"""GET /api/v1/auth/sessions and DELETE /api/v1/auth/sessions/{id}."""

import uuid
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import LoginSession
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, claims_of, issue_pair

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/sessions"
ME = "/api/v1/auth/me"


def _login_request(user_agent: str, ip: str):
    return RequestFactory().post("/api/v1/auth/login", HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)


def test_sessions_lists_the_users_active_sessions_and_marks_the_current_one(api):
    # given two live sessions, one ended session, and a stranger's session
    user = UserFactory()
    phone = issue_pair(user, _login_request("Phone/1.0", "203.0.113.7"))
    laptop = issue_pair(user, _login_request("Laptop/2.0", "198.51.100.2"))
    ended = issue_pair(user)
    LoginSession.objects.filter(id=claims_of(ended["refresh"])["sid"]).update(
        revoked_at=timezone.now()
    )
    issue_pair(UserFactory())

    # when the laptop lists the sessions
    response = api.get(URL, **bearer(laptop["access"]))

    # then exactly the live ones, with where and when, the laptop's marked current
    assert response.status_code == 200
    sessions = {item["id"]: item for item in response.json()["sessions"]}
    assert set(sessions) == {
        claims_of(phone["refresh"])["sid"],
        claims_of(laptop["refresh"])["sid"],
    }
    current = sessions[claims_of(laptop["refresh"])["sid"]]
    other = sessions[claims_of(phone["refresh"])["sid"]]
    assert current["current"] is True
    assert other["current"] is False
    assert other["ip"] == "203.0.113.7"
    assert other["user_agent"] == "Phone/1.0"
    assert set(current) == {
        "id", "created_at", "last_used_at", "expires_at", "ends_at", "ip", "user_agent", "amr",
        "current",
    }  # fmt: skip
    assert current["amr"] == ["pwd"]
    session = LoginSession.objects.get(id=current["id"])
    assert parse_datetime(current["expires_at"]) == session.expires_at
    assert parse_datetime(current["ends_at"]) == session.authenticated_at + timedelta(days=30)


def test_sessions_list_is_never_cached(api):
    response = api.get(URL, **bearer(issue_pair(UserFactory())["access"]))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_sessions_leaves_out_expired_sessions(api):
    user = UserFactory()
    current, stale = issue_pair(user), issue_pair(user)
    LoginSession.objects.filter(id=claims_of(stale["refresh"])["sid"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    sessions = api.get(URL, **bearer(current["access"])).json()["sessions"]

    assert [item["id"] for item in sessions] == [claims_of(current["refresh"])["sid"]]


def test_user_agent_is_stored_without_control_characters_and_bounded(api):
    user = UserFactory()
    pair = issue_pair(user, _login_request("Evil\x00Agent\n" + "x" * 1000, "203.0.113.7"))

    session = LoginSession.objects.get(id=claims_of(pair["refresh"])["sid"])

    assert session.user_agent.startswith("EvilAgent")
    assert len(session.user_agent) == 512


def test_sessions_without_token_returns_not_authenticated(api):
    assert_problem(api.get(URL), 401, "not_authenticated")


def test_deleting_a_session_revokes_it_and_its_access_tokens_at_once(api):
    user = UserFactory()
    phone, laptop = issue_pair(user), issue_pair(user)

    response = api.delete(f"{URL}/{claims_of(phone['refresh'])['sid']}", **bearer(laptop["access"]))

    assert response.status_code == 204
    assert_problem(api.get(ME, **bearer(phone["access"])), 401, "token_invalid")
    assert api.get(ME, **bearer(laptop["access"])).status_code == 200


def test_deleting_another_users_session_returns_not_found_and_revokes_nothing(api):
    mine, theirs = issue_pair(UserFactory()), issue_pair(UserFactory())

    response = api.delete(f"{URL}/{claims_of(theirs['refresh'])['sid']}", **bearer(mine["access"]))

    assert_problem(response, 404, "not_found")
    assert api.get(ME, **bearer(theirs["access"])).status_code == 200


def test_deleting_an_unknown_session_returns_not_found(api):
    pair = issue_pair(UserFactory())

    assert_problem(api.delete(f"{URL}/{uuid.uuid4()}", **bearer(pair["access"])), 404, "not_found")


def test_deleting_an_ended_session_returns_not_found(api):
    user = UserFactory()
    phone, laptop = issue_pair(user), issue_pair(user)
    path = f"{URL}/{claims_of(phone['refresh'])['sid']}"
    api.delete(path, **bearer(laptop["access"]))

    assert_problem(api.delete(path, **bearer(laptop["access"])), 404, "not_found")


def test_deleting_with_a_malformed_id_returns_not_found(api):
    pair = issue_pair(UserFactory())

    assert_problem(api.delete(f"{URL}/not-a-uuid", **bearer(pair["access"])), 404, "not_found")


def test_deleting_without_token_returns_not_authenticated(api):
    assert_problem(api.delete(f"{URL}/{uuid.uuid4()}"), 401, "not_authenticated")

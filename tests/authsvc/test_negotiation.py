"""Content negotiation: the usual request's shortcut answers what DRF's negotiation does."""

import pytest

from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/me"


@pytest.fixture
def access():
    return bearer(issue_pair(UserFactory())["access"])


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/*", "text/html, */*;q=0.1"]
)
def test_json_for_any_accept_that_admits_it(api, access, accept):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}

    response = api.get(URL, **access, **headers)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["username"]


def test_an_accept_json_cannot_meet_is_406(api, access):
    response = api.get(URL, HTTP_ACCEPT="text/html", **access)

    assert_problem(response, 406, "not_acceptable")


def test_a_format_override_still_goes_through_drf(api, access):
    response = api.get(URL + "?format=xml", **access)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"

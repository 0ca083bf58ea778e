"""The service as production serves it: gunicorn, several workers, the shared database."""

import pytest

from tests.factories import UserFactory
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(tmp_path_factory.mktemp("gunicorn"), workers=2)
    yield server
    server.stop()


def test_gunicorn_serves_login_and_me_from_the_shared_database(server):
    user = UserFactory()

    with server.client() as http:
        login = http.post(
            "/api/v1/auth/login", json={"login": user.email, "password": user.raw_password}
        )
        me = http.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access']}"}
        )

    assert login.status_code == 200, login.text
    assert me.json()["id"] == str(user.id)


def test_gunicorn_answers_unknown_urls_with_problem_json(server):
    with server.client() as http:
        response = http.get("/nope")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == response.headers["x-request-id"]

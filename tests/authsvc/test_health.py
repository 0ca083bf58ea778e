import pytest


def test_healthz_is_ok_without_touching_the_database(api):
    # No django_db mark: any database access here would raise.
    response = api.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_answers_wrong_methods_with_a_problem(api):
    response = api.post("/healthz")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"

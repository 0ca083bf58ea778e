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


def test_healthz_answers_head_and_any_accept_with_the_same_json(api):
    # A probe reads nothing: no content negotiation, so a browser's Accept gets JSON too.
    head = api.head("/healthz")
    html = api.get("/healthz", HTTP_ACCEPT="text/html")

    assert head.status_code == 200
    assert head.content == b""
    assert html.status_code == 200
    assert html["Content-Type"] == "application/json"
    assert html.content == b'{"status":"ok"}'


@pytest.mark.django_db
def test_healthz_options_still_describes_the_view(api):
    response = api.options("/healthz")

    assert response.status_code == 200
    assert response.json()["name"] == "Health"

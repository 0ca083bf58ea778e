"""Schemathesis fuzzes every operation of the service's own OpenAPI schema on a live server.

Checks: every built-in check (no 5xx; status code, content type, headers and body as
documented; invalid input rejected; auth enforced) except positive_data_acceptance: the
password policy (character classes, similarity, common and breached passwords) is a
business rule the schema cannot express, so a schema-valid password may rightly get a 400.
Examples are bounded and derandomized so the run is short and repeatable; the schema is
generated in-process, the requests go to gunicorn.
"""

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.tokens.services import token_pair_issue
from tests.factories import UserFactory
from tests.servers import start_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

MAX_EXAMPLES_PER_OPERATION = 40

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    server = start_gunicorn(tmp_path_factory.mktemp("fuzz"), workers=2)
    yield server
    server.stop()


@pytest.fixture
def bearer() -> dict[str, str]:
    user = UserFactory()
    return {"Authorization": f"Bearer {token_pair_issue(user=user, request=None)['access']}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, server, bearer):
    headers = bearer if case.operation.path == "/api/v1/auth/me" else None
    case.call_and_validate(
        base_url=server.base_url, headers=headers, excluded_checks=[positive_data_acceptance]
    )

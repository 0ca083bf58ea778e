"""Recovery codes: stored as digests, each usable once, replaced as a set by
POST /mfa/recovery-codes."""

import pytest

from accounts.mfa.models import RecoveryCode
from tests.accounts.mfa.helpers import MFA, RECOVERY_CODES, login_mfa, mfa_token_of
from tests.factories import UserFactory
from tests.problem import assert_problem
from tests.tokens import bearer, issue_pair

pytestmark = pytest.mark.django_db


def _regenerate(api, user, code):
    return api.post(RECOVERY_CODES, {"code": code}, format="json", **bearer(user.enrolment.access))


def test_recovery_codes_are_stored_only_as_digests(alice):
    rows = list(RecoveryCode.objects.filter(user=alice).values())

    assert len(rows) == 10
    stored = str(rows).lower()
    for code in alice.enrolment.recovery_codes:
        assert code.lower() not in stored
        assert code.replace("-", "").lower() not in stored
    assert all(len(row["code_hash"]) == 64 for row in rows)


def test_recovery_codes_look_alike_and_are_distinct(alice):
    codes = alice.enrolment.recovery_codes

    assert len(set(codes)) == 10
    for code in codes:
        groups = code.split("-")
        assert [len(group) for group in groups] == [4, 4, 4, 4]
        # Crockford's base32: no i, l, o or u to misread
        assert set("".join(groups)) <= set("0123456789abcdefghjkmnpqrstvwxyz")


def test_regenerating_answers_ten_new_codes_and_voids_the_old_set(api, alice):
    # given
    old = alice.enrolment.recovery_codes

    # when
    response = _regenerate(api, alice, alice.enrolment.authenticator.fresh_code())

    # then: ten new codes, shown once, and only those work
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    new = response.json()["recovery_codes"]
    assert len(set(new)) == 10
    assert not set(new) & set(old)
    assert_problem(
        login_mfa(api, mfa_token_of(api, alice), recovery_code=old[0]), 401, "mfa_code_invalid"
    )
    assert login_mfa(api, mfa_token_of(api, alice), recovery_code=new[0]).status_code == 200


def test_regenerating_restores_the_count_after_codes_were_used(api, alice):
    for code in alice.enrolment.recovery_codes[:2]:
        assert login_mfa(api, mfa_token_of(api, alice), recovery_code=code).status_code == 200
    assert api.get(MFA, **bearer(alice.enrolment.access)).json()["recovery_codes"] == {
        "remaining": 8
    }

    assert _regenerate(api, alice, alice.enrolment.authenticator.fresh_code()).status_code == 200

    assert api.get(MFA, **bearer(alice.enrolment.access)).json()["recovery_codes"] == {
        "remaining": 10
    }


def test_regenerating_with_a_wrong_code_is_refused_and_keeps_the_old_set(api, alice):
    response = _regenerate(api, alice, alice.enrolment.authenticator.wrong_code())

    assert_problem(response, 400, "mfa_code_invalid")
    code = alice.enrolment.recovery_codes[0]
    assert login_mfa(api, mfa_token_of(api, alice), recovery_code=code).status_code == 200


def test_regenerating_takes_a_totp_code_not_a_recovery_code(api, alice):
    response = _regenerate(api, alice, alice.enrolment.recovery_codes[0])

    assert_problem(response, 400, "mfa_code_invalid")
    assert RecoveryCode.objects.filter(user=alice, used_at__isnull=True).count() == 10


def test_regenerating_without_totp_is_a_conflict(api):
    access = issue_pair(UserFactory())["access"]

    response = api.post(RECOVERY_CODES, {"code": "123456"}, format="json", **bearer(access))

    assert_problem(response, 409, "conflict")

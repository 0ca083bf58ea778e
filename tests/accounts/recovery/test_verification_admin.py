"""The admin shows when an address was verified and filters on it."""

import pytest
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


def test_the_user_list_filters_on_verified_addresses(boss_client):
    UserFactory(username="proven", email_verified_at=timezone.now())
    UserFactory(username="unproven")

    verified = boss_client.get(USERS, {"email_verified_at__isempty": "0"})
    unverified = boss_client.get(USERS, {"email_verified_at__isempty": "1"})

    assert verified.status_code == unverified.status_code == 200
    assert list(verified.context["cl"].result_list.values_list("username", flat=True)) == ["proven"]
    assert "unproven" in unverified.context["cl"].result_list.values_list("username", flat=True)
    assert "proven" not in unverified.context["cl"].result_list.values_list("username", flat=True)


def test_the_change_form_shows_the_verification_time_read_only(boss_client):
    user = UserFactory(username="proven", email_verified_at=timezone.now())

    response = boss_client.get(f"{USERS}{user.pk}/change/")

    assert response.status_code == 200
    assert "email_verified_at" in response.context["adminform"].readonly_fields
    assert "Email verified at" in response.content.decode()

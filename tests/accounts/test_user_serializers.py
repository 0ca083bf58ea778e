"""The user shapes' written-out ``to_representation`` against DRF's generic one."""

from datetime import UTC, datetime

import pytest
from rest_framework import serializers

from accounts.users.serializers import MeResponseSerializer, UserSummarySerializer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("serializer_class", [UserSummarySerializer, MeResponseSerializer])
@pytest.mark.parametrize(
    ("last_login", "email_verified_at"),
    [(None, None), (datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC), datetime.now(UTC))],
)
def test_the_written_out_shape_is_what_drf_would_render(
    serializer_class, last_login, email_verified_at, settings
):
    user = UserFactory(last_login=last_login, email_verified_at=email_verified_at)
    serializer = serializer_class(user)

    generic = serializers.Serializer.to_representation(serializer, user)

    assert serializer.data == generic
    assert list(serializer.data) == list(serializer.fields)  # same keys, same order


def test_dates_follow_the_configured_time_zone_like_drf(settings):
    settings.TIME_ZONE = "Europe/Paris"
    user = UserFactory(last_login=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    serializer = MeResponseSerializer(user)

    assert serializer.data["last_login"] == "2026-07-01T12:00:00+02:00"
    assert serializer.data == serializers.Serializer.to_representation(serializer, user)

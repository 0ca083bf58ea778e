"""Request and response shapes of the token lifecycle endpoints (docs/tokens.md)."""

from datetime import datetime
from typing import Any

from rest_framework import serializers

from accounts.tokens.models import LoginSession
from accounts.tokens.services import session_end
from accounts.users.fields import TextField
from accounts.users.serializers import UserSummarySerializer

TOKEN_MAX_LENGTH = 4096  # ours are < 1 KiB; anything far larger is not one of ours


class TokenPairResponseSerializer(serializers.Serializer):
    user = UserSummarySerializer(read_only=True)
    access = serializers.CharField(read_only=True, help_text="Access token (JWT).")
    refresh = serializers.CharField(
        read_only=True,
        required=False,
        help_text="Refresh token (JWT); absent in cookie mode (set as an HttpOnly cookie).",
    )
    token_type = serializers.ChoiceField(choices=["Bearer"], read_only=True)
    expires_in = serializers.IntegerField(read_only=True, help_text="Access token lifetime, s.")


class TokenRefreshRequestSerializer(serializers.Serializer):
    refresh = TextField(
        max_length=TOKEN_MAX_LENGTH,
        required=False,
        help_text="The refresh token. Optional only in cookie mode (AUTH_REFRESH_COOKIE=1), "
        "where the browser sends it as a cookie.",
    )


class LogoutRequestSerializer(serializers.Serializer):
    refresh = TextField(
        max_length=TOKEN_MAX_LENGTH,
        required=False,
        help_text="The refresh token of the session to end; without it (and without the "
        "cookie in cookie mode), the session of the access token in use ends.",
    )


class TokenRefreshResponseSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True, help_text="Access token (JWT).")
    refresh = serializers.CharField(
        read_only=True,
        required=False,
        help_text="The new refresh token; the presented one is retired. Absent in cookie "
        "mode, where it is set as an HttpOnly cookie instead.",
    )
    token_type = serializers.ChoiceField(choices=["Bearer"], read_only=True)
    expires_in = serializers.IntegerField(read_only=True, help_text="Access token lifetime, s.")


class LoginSessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(
        help_text="True for the session of the access token making this request."
    )
    ip = serializers.IPAddressField(
        read_only=True, allow_null=True, help_text="Address of the last use."
    )
    expires_at = serializers.DateTimeField(
        read_only=True,
        help_text="The session ends at this time unless it is refreshed before (idle timeout).",
    )
    amr = serializers.ListField(
        source="amr_list",
        child=serializers.CharField(),
        read_only=True,
        help_text="How the session's holder proved who they are (RFC 8176): `pwd`, `otp`, "
        "`mfa`, `recovery_code`.",
    )
    ends_at = serializers.SerializerMethodField(
        help_text="The session ends at this time however often it is refreshed "
        "(AUTH_SESSION_MAX_AGE after the password was last proved)."
    )

    class Meta:
        model = LoginSession
        fields = (
            "id", "created_at", "last_used_at", "expires_at", "ends_at", "ip", "user_agent",
            "amr", "current",
        )  # fmt: skip
        read_only_fields = fields

    def get_current(self, session: LoginSession) -> bool:
        return bool(session.pk == self.context.get("current_session_id"))

    def get_ends_at(self, session: LoginSession) -> datetime:
        return session_end(authenticated_at=session.authenticated_at)


class LoginSessionListResponseSerializer(serializers.Serializer):
    sessions = LoginSessionSerializer(many=True, read_only=True)


class JsonWebKeySerializer(serializers.Serializer):
    kty = serializers.ChoiceField(choices=["RSA", "EC"], read_only=True)
    kid = serializers.CharField(read_only=True, help_text="RFC 7638 JWK thumbprint.")
    use = serializers.ChoiceField(choices=["sig"], read_only=True)
    alg = serializers.ChoiceField(choices=["RS256", "ES256"], read_only=True)

    def to_representation(self, instance: Any) -> Any:
        return instance  # the JWK as built, with its key-type members (n/e or crv/x/y)


class JsonWebKeySetSerializer(serializers.Serializer):
    keys = JsonWebKeySerializer(many=True, read_only=True)

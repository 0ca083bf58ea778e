"""The service's error hierarchy.

Services and views raise these; ``authsvc.problems`` turns each into one RFC 9457
problem document. Nothing here imports DRF, so domain code stays framework-free.
Codes are stable API: clients and tests match on ``code``, never on ``detail``.
"""

from collections.abc import Mapping, Sequence
from typing import Any


class ServiceError(Exception):
    """Base of every error the API reports; carries what the problem document needs."""

    status: int = 500
    code: str = "internal_error"
    title: str = "Internal server error"
    default_detail: str = "The server could not complete the request."
    # RFC 9457 §3.2 extension members added to the problem document (e.g. readiness checks).
    extensions: Mapping[str, Any] = {}

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Mapping[str, Sequence[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.errors = {key: list(value) for key, value in errors.items()} if errors else None
        self.headers = dict(headers or {})
        super().__init__(self.detail)


class _RetryAfterError(ServiceError):
    """An error the client may retry after a known number of seconds (RFC 9110 §10.2.3)."""

    def __init__(self, detail: str | None = None, *, retry_after_seconds: int | None = None):
        headers = (
            {"Retry-After": str(max(1, int(retry_after_seconds)))} if retry_after_seconds else {}
        )
        super().__init__(detail, headers=headers)
        self.retry_after_seconds = retry_after_seconds


class ValidationFailed(ServiceError):
    status, code, title = 400, "validation_error", "Invalid input"
    default_detail = "The request has invalid fields; see errors."


class ParseError(ServiceError):
    status, code, title = 400, "parse_error", "Malformed request body"
    default_detail = "The request body is not valid JSON."


class InvalidCredentials(ServiceError):
    status, code, title = 401, "invalid_credentials", "Invalid credentials"
    default_detail = "The login or password is incorrect."


class PasskeyCounterRegressed(InvalidCredentials):
    """A passkey's signature was right but its sign count did not move past the stored one:
    a cloned authenticator, or a replayed assertion (WebAuthn §6.1.1). Answered exactly as
    invalid_credentials; its own class so the service can audit it with ``received``."""

    def __init__(self, *, received: int) -> None:
        super().__init__()
        self.received = received


class MfaRequired(ServiceError):
    """The password was right and the account has a second factor: nothing is issued yet.

    ``mfa_token`` (opaque, single-use, short-lived) carries the login to
    ``POST /login/mfa``; ``methods`` lists the factors the account can answer with.
    """

    status, code, title = 401, "mfa_required", "Second factor required"
    default_detail = "Send a code from your authenticator app, or a recovery code."

    def __init__(self, *, mfa_token: str, methods: Sequence[str]) -> None:
        super().__init__()
        self.extensions = {"mfa_token": mfa_token, "methods": list(methods)}


class MfaLoginCodeInvalid(ServiceError):
    """A wrong second factor during login; it counts toward the account's lockout."""

    status, code, title = 401, "mfa_code_invalid", "Invalid code"
    default_detail = "The code is wrong, expired or already used."


class PasskeyChallengeInvalid(ServiceError):
    """A passkey ceremony's challenge that is unknown, used, expired or of another ceremony.
    A 400, not a 401: nothing the user proved is wrong; the client asks for new options."""

    status, code, title = 400, "challenge_invalid", "Invalid challenge"
    default_detail = (
        "The challenge is unknown, expired, already used or belongs to another ceremony; "
        "ask for new options."
    )


class NotAuthenticated(ServiceError):
    status, code, title = 401, "not_authenticated", "Authentication required"
    default_detail = "This endpoint needs an Authorization: Bearer token."


class TokenInvalid(ServiceError):
    status, code, title = 401, "token_invalid", "Invalid token"
    default_detail = "The token is invalid, expired or revoked."


class RecoveryTokenInvalid(ServiceError):
    """A mailed token (password reset, email verification) that cannot be used. A 400, not
    the 401 of TokenInvalid: no credentials of the caller are wrong, and a 401 would send
    clients into their refresh logic."""

    status, code, title = 400, "token_invalid", "Invalid token"
    default_detail = "The link is invalid, expired or already used; request a new one."


class MfaCodeInvalid(ServiceError):
    """A wrong second factor from a logged-in user (enrolment, turning MFA off). A 400, not
    the 401 of a login: the access token is fine."""

    status, code, title = 400, "mfa_code_invalid", "Invalid code"
    default_detail = "The code is wrong, expired or already used."


class PermissionDenied(ServiceError):
    status, code, title = 403, "permission_denied", "Permission denied"
    default_detail = "You are not allowed to perform this action."


class EmailUnverified(ServiceError):
    """The right password for an account whose address is not proven yet, while
    AUTH_REQUIRE_VERIFIED_EMAIL is on. Decided only after the password check."""

    status, code, title = 403, "email_unverified", "Email not verified"
    default_detail = (
        "Verify your email address first: open the link in the verification mail, "
        "or ask for a new one."
    )


class HttpsRequired(ServiceError):
    status, code, title = 403, "https_required", "HTTPS required"
    default_detail = (
        "This API is served over HTTPS only. Anything sent over plain HTTP, credentials "
        "included, may have been read on the way: change them if they were secrets."
    )


class NotFound(ServiceError):
    status, code, title = 404, "not_found", "Not found"
    default_detail = "No resource exists at this URL."


class MethodNotAllowed(ServiceError):
    status, code, title = 405, "method_not_allowed", "Method not allowed"
    default_detail = "This method is not allowed on this URL."


class NotAcceptable(ServiceError):
    status, code, title = 406, "not_acceptable", "Not acceptable"
    default_detail = "The service only produces JSON."


class Conflict(ServiceError):
    status, code, title = 409, "conflict", "Conflict"
    default_detail = "The resource already exists."


class PayloadTooLarge(ServiceError):
    status, code, title = 413, "payload_too_large", "Payload too large"
    default_detail = "The request body is too large."


class UnsupportedMediaType(ServiceError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"
    default_detail = "Send the request body as application/json."


class AccountLocked(_RetryAfterError):
    status, code, title = 423, "account_locked", "Account locked"
    default_detail = "Too many failed logins; the account is temporarily locked."


class AccountLockedUntilReset(AccountLocked):
    """No end by itself: the lock lasts until the owner resets the password or an admin
    unlocks the account; ``unlock`` names the ways, so a client can offer them."""

    default_detail = (
        "Too many failed logins; the account is locked until its password is reset "
        "or an administrator unlocks it."
    )
    extensions = {"unlock": ["password_reset", "admin"]}


class RateLimited(_RetryAfterError):
    status, code, title = 429, "rate_limited", "Too many requests"
    default_detail = "Too many requests; retry later."


class ServiceUnavailable(_RetryAfterError):
    status, code, title = 503, "service_unavailable", "Service unavailable"
    default_detail = "The service is temporarily unavailable; retry later."


class NotReady(ServiceUnavailable):
    code, title = "not_ready", "Not ready"
    default_detail = "A dependency is unavailable; see checks."

    def __init__(self, detail: str | None = None, *, checks: Mapping[str, Any]) -> None:
        super().__init__(detail)
        self.extensions = {"checks": dict(checks)}

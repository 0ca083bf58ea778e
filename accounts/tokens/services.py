"""Token lifecycle writes: issuing a pair, rotating a refresh token, revoking sessions.

A login session (``LoginSession``) is one refresh-token rotation family; every token of
the family carries its id as ``sid``. Revoking the session ends the whole family, and
(because authentication joins the session on every request) its access tokens too.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit.services import AuditAction, AuditStatus, audit_record
from accounts.tokens.codec import TokenType, token_decode, token_encode
from accounts.tokens.models import LoginSession, RevokeReason
from accounts.users.models import User
from authsvc.clientip import client_ip
from authsvc.exceptions import NotFound, PermissionDenied, TokenInvalid

USER_AGENT_MAX_LENGTH = 512


class TokenPair(TypedDict):
    access: str
    refresh: str
    token_type: str
    expires_in: int


def _new_jti() -> str:
    return uuid.uuid4().hex


def _user_agent(request: HttpRequest | None) -> str:
    raw = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    # Control characters (NUL above all: PostgreSQL refuses it in text) are dropped, not stored.
    return "".join(char for char in raw if char.isprintable())[:USER_AGENT_MAX_LENGTH]


def session_end(*, authenticated_at: datetime) -> datetime:
    """When a session ends however often it is refreshed: AUTH_SESSION_MAX_AGE after the
    holder last proved who they are (the refresh TTL is only the idle timeout)."""
    return authenticated_at + timedelta(seconds=settings.AUTH_SESSION_MAX_AGE)


def _refresh_expiry(*, now: datetime, ends_at: datetime) -> datetime:
    return min(now + timedelta(seconds=settings.REFRESH_TOKEN_TTL_SECONDS), ends_at)


def _pair_mint(
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    refresh_jti: str,
    now: datetime,
    refresh_expires_at: datetime,
    amr: list[str],
) -> TokenPair:
    def encode(token_type: TokenType, jti: str, lifetime_seconds: int) -> str:
        return token_encode(
            user_id=user_id,
            session_id=session_id,
            token_type=token_type,
            jti=jti,
            issued_at=now,
            lifetime_seconds=lifetime_seconds,
            amr=amr,
        )

    # Neither token outlives the session: near its absolute end both are cut short.
    remaining = max(1, int((refresh_expires_at - now).total_seconds()))
    access_lifetime = min(settings.ACCESS_TOKEN_TTL_SECONDS, remaining)
    return {
        "access": encode(TokenType.ACCESS, _new_jti(), access_lifetime),
        "refresh": encode(TokenType.REFRESH, refresh_jti, remaining),
        "token_type": "Bearer",
        "expires_in": access_lifetime,
    }


def token_pair_issue(
    *, user: User, request: HttpRequest | None = None, amr: Sequence[str] = ("pwd",)
) -> TokenPair:
    """A fresh access/refresh pair for ``user`` in a new login session described by
    ``request``; ``amr`` (RFC 8176) says how the holder proved who they are."""
    now = timezone.now()
    session = LoginSession.objects.create(
        user=user,
        created_at=now,
        authenticated_at=now,
        last_used_at=now,
        expires_at=_refresh_expiry(now=now, ends_at=session_end(authenticated_at=now)),
        ip=client_ip(request) if request is not None else None,
        user_agent=_user_agent(request),
        current_jti=_new_jti(),
        amr=" ".join(amr),
    )
    return _pair_mint(
        user_id=user.pk,
        session_id=session.pk,
        refresh_jti=session.current_jti,
        now=now,
        refresh_expires_at=session.expires_at,
        amr=session.amr_list,
    )


def _may_refresh(*, user: User, session: LoginSession, now: datetime) -> bool:
    if now >= session_end(authenticated_at=session.authenticated_at):
        return False
    # A lockout stops password guessing, not the sessions the owner already has: otherwise
    # anyone who knows a username could log its owner out everywhere with five bad guesses.
    # Ending sessions is the admin's call (disable the account, or end its sessions).
    if not user.is_active:
        return False
    changed = user.password_changed_at
    # A password change ends every session that had not proved the new password.
    return changed is None or changed <= session.authenticated_at


def _within_grace(*, session: LoginSession, jti: str, now: datetime) -> bool:
    grace = timedelta(seconds=settings.AUTH_REFRESH_REUSE_GRACE_SECONDS)
    return (
        bool(session.previous_jti)
        and jti == session.previous_jti
        and session.rotated_at is not None
        and now - session.rotated_at <= grace
    )


def token_refresh(*, refresh: str, request: HttpRequest | None = None) -> TokenPair:
    """Rotate ``refresh``: a new pair in the same session, the presented token retired.

    Raises TokenInvalid for an invalid token, a dead session (revoked, idle past the refresh
    TTL, or past its absolute end), a user who may not refresh,
    a lost race, a retry within the grace window, and reuse. Reuse (any retired token
    outside the grace window) revokes the whole family first (RFC 9700 §4.14.2).
    Costs two queries: the session joined with its user, and the conditional UPDATE.
    """
    claims = token_decode(token=refresh, expected_type=TokenType.REFRESH)
    now = timezone.now()
    session = (
        LoginSession.objects.select_related("user")
        .filter(id=claims.sid, user_id=claims.sub, revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if session is None or not _may_refresh(user=session.user, session=session, now=now):
        raise TokenInvalid()
    if claims.jti == session.current_jti:
        successor = _new_jti()
        expires_at = _refresh_expiry(
            now=now, ends_at=session_end(authenticated_at=session.authenticated_at)
        )
        # Check-and-consume in one statement: of two concurrent refreshes with the same
        # token exactly one matches current_jti (simplejwt #863 races here).
        consumed = LoginSession.objects.filter(
            id=session.pk, current_jti=claims.jti, revoked_at__isnull=True
        ).update(
            current_jti=successor,
            previous_jti=claims.jti,
            rotated_at=now,
            last_used_at=now,
            expires_at=expires_at,
            ip=client_ip(request) if request is not None else session.ip,
        )
        if consumed == 1:
            audit_record(
                action=AuditAction.TOKEN_REFRESHED,
                user=session.user,
                request=request,
                details={"session_id": str(session.pk)},
            )
            return _pair_mint(
                user_id=session.user_id,
                session_id=session.pk,
                refresh_jti=successor,
                now=now,
                refresh_expires_at=expires_at,
                amr=session.amr_list,
            )
        # Lost the race: the winner's successor is live and this token is its predecessor.
        raise TokenInvalid()
    if _within_grace(session=session, jti=claims.jti, now=now):
        # A retry or a second tab right after a rotation: refused, but the session lives.
        # Re-issuing here would hand a thief who raced the client a live token.
        raise TokenInvalid()
    _reuse_revoke(session=session, request=request)
    raise TokenInvalid()


def _reuse_revoke(*, session: LoginSession, request: HttpRequest | None) -> None:
    revoked = session_revoke(
        user=session.user, session_id=session.pk, reason=RevokeReason.REUSE_DETECTED
    )
    audit_record(
        action=AuditAction.TOKEN_REUSE_DETECTED,
        status=AuditStatus.FAILURE,
        user=session.user,
        request=request,
        details={"session_id": str(session.pk), "family_revoked": revoked},
    )


def session_revoke(*, user: User, session_id: uuid.UUID, reason: RevokeReason) -> bool:
    """Revoke one live session of ``user``; False when there is none with this id."""
    updated = LoginSession.objects.filter(id=session_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason
    )
    return updated == 1


def sessions_revoke_all(
    *, user: User, reason: RevokeReason, keep_session_id: uuid.UUID | None = None
) -> int:
    """Revoke every live session of ``user`` (but ``keep_session_id``); returns how many."""
    sessions = LoginSession.objects.filter(user=user, revoked_at__isnull=True)
    if keep_session_id is not None:
        sessions = sessions.exclude(id=keep_session_id)
    return sessions.update(revoked_at=timezone.now(), revoke_reason=reason)


def user_sessions_end(*, user: User, by: str, request: HttpRequest | None = None) -> int:
    """End every live session of ``user`` on an operator's decision, audited; how many."""
    ended = sessions_revoke_all(user=user, reason=RevokeReason.ENDED_BY_ADMIN)
    audit_record(
        action=AuditAction.SESSIONS_ENDED,
        user=user,
        request=request,
        details={"by": by, "count": ended},
    )
    return ended


def sessions_end_on_password_set(*, user: User, changed_at: datetime, **_: Any) -> int:
    """Receiver of ``users.signals.password_set``: end every session that has not proved
    the new password (a session that just did carries ``authenticated_at >= changed_at``)."""
    return LoginSession.objects.filter(
        user=user, revoked_at__isnull=True, authenticated_at__lt=changed_at
    ).update(revoked_at=timezone.now(), revoke_reason=RevokeReason.PASSWORD_CHANGED)


def sessions_end_on_deactivation(*, user: User, **_: Any) -> int:
    """Receiver of ``users.signals.user_deactivated``: reactivating must not revive them."""
    return sessions_revoke_all(user=user, reason=RevokeReason.USER_DEACTIVATED)


def user_logout(
    *,
    user: User,
    current_session_id: uuid.UUID,
    refresh: str | None,
    request: HttpRequest | None = None,
) -> None:
    """End the session of ``refresh`` (or, without one, of the access token in use).

    A refresh token of another user is refused (PermissionDenied) and revokes nothing:
    logging out must not become a way to end someone else's session.
    """
    session_id = current_session_id
    if refresh is not None:
        claims = token_decode(token=refresh, expected_type=TokenType.REFRESH)
        if claims.sub != user.pk:
            audit_record(
                action=AuditAction.LOGOUT,
                status=AuditStatus.FAILURE,
                user=user,
                request=request,
                details={"reason": "refresh_token_of_another_user"},
            )
            raise PermissionDenied("This refresh token belongs to another account.")
        session_id = claims.sid
    session_revoke(user=user, session_id=session_id, reason=RevokeReason.LOGOUT)
    audit_record(
        action=AuditAction.LOGOUT,
        user=user,
        request=request,
        details={"session_id": str(session_id)},
    )


def user_logout_all(*, user: User, request: HttpRequest | None = None) -> None:
    revoked = sessions_revoke_all(user=user, reason=RevokeReason.LOGOUT_ALL)
    audit_record(
        action=AuditAction.LOGOUT,
        user=user,
        request=request,
        details={"scope": "all", "sessions": revoked},
    )


def user_session_delete(
    *, user: User, session_id: uuid.UUID, request: HttpRequest | None = None
) -> None:
    """Revoke one of the user's own live sessions; NotFound for any other id (no oracle)."""
    if not session_revoke(user=user, session_id=session_id, reason=RevokeReason.SESSION_DELETED):
        raise NotFound("No active session of yours has this id.")
    audit_record(
        action=AuditAction.LOGOUT,
        user=user,
        request=request,
        details={"scope": "session", "session_id": str(session_id)},
    )


def login_sessions_purge(*, retention: timedelta) -> int:
    """Delete sessions that expired or were revoked more than ``retention`` ago."""
    cutoff = timezone.now() - retention
    deleted, _ = LoginSession.objects.filter(
        Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    ).delete()
    return deleted

"""Enrolling a test user in TOTP through the API, and computing its codes with pyotp (an
RFC 6238 implementation independent of the service's).

Codes are chosen by time step, not by "now": a code computed just before a step boundary
and checked just after it is a step older than the test meant, so a helper that used
"the previous step" would fail one run in a few hundred. ``Authenticator`` picks steps
that stay inside the service's window (one step either way) for as long as a request
takes, and never one the account has already used.
"""

import time
from dataclasses import dataclass

import pyotp

from tests.tokens import bearer, issue_pair

MFA = "/api/v1/auth/mfa"
TOTP = "/api/v1/auth/mfa/totp"
CONFIRM = "/api/v1/auth/mfa/totp/confirm"
RECOVERY_CODES = "/api/v1/auth/mfa/recovery-codes"
LOGIN = "/api/v1/auth/login"
LOGIN_MFA = "/api/v1/auth/login/mfa"
REFRESH = "/api/v1/auth/token/refresh"
SESSIONS = "/api/v1/auth/sessions"
ME = "/api/v1/auth/me"

STEP_SECONDS = 30
# A request in a test finishes well within this; the previous step's code is only chosen
# while at least this long remains before it leaves the window.
BOUNDARY_MARGIN_SECONDS = 3.0

AMR_TOTP = ["pwd", "otp", "mfa"]
AMR_RECOVERY_CODE = ["pwd", "mfa", "recovery_code"]


def current_step() -> int:
    return int(time.time()) // STEP_SECONDS


def seconds_left_in_step() -> float:
    return STEP_SECONDS - time.time() % STEP_SECONDS


def steady_step() -> int:
    """The current step, after waiting out a boundary that is less than the margin away:
    codes relative to it keep their distance from "now" for the next few seconds."""
    left = seconds_left_in_step()
    if left < BOUNDARY_MARGIN_SECONDS:
        time.sleep(left + 0.05)
    return current_step()


def code_at(secret: str, *, steps: int = 0) -> str:
    """The code of ``secret`` ``steps`` time steps from now (mind the boundary: see
    ``steady_step``)."""
    return pyotp.TOTP(secret).at(time.time() + STEP_SECONDS * steps)


class Authenticator:
    """The user's authenticator app, which also remembers the last step it gave a code for
    (the service accepts only later steps)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.totp = pyotp.TOTP(secret)
        self.last_step = -1

    def code_for_step(self, step: int) -> str:
        return self.totp.generate_otp(step)

    def fresh_code(self) -> str:
        """A code the service accepts now (and for the next few seconds): the earliest step
        in its window that no earlier code used. Waits for the next step when all three are
        used."""
        while True:
            now = current_step()
            earliest = now - 1 if seconds_left_in_step() > BOUNDARY_MARGIN_SECONDS else now
            step = max(earliest, self.last_step + 1)
            if step <= now + 1:
                self.last_step = step
                return self.code_for_step(step)
            time.sleep(seconds_left_in_step() + 0.05)

    def wrong_code(self) -> str:
        """Six digits that are no code of any step near now."""
        now = current_step()
        near = {self.code_for_step(step) for step in range(now - 3, now + 4)}
        return next(f"{n:06d}" for n in range(1, 100) if f"{n:06d}" not in near)


@dataclass(frozen=True)
class Enrolment:
    secret: str
    authenticator: Authenticator
    recovery_codes: list[str]
    access: str
    refresh: str


def enrol_begin(api, user, access: str | None = None):
    """POST /mfa/totp with ``user``'s password; the response."""
    access = access or issue_pair(user)["access"]
    return api.post(TOTP, {"current_password": user.raw_password}, format="json", **bearer(access))


def enrol(api, user) -> Enrolment:
    """Turn TOTP on for ``user`` through the API: begin, then confirm with a fresh code."""
    access = issue_pair(user)["access"]
    started = enrol_begin(api, user, access)
    assert started.status_code == 200, started.content
    authenticator = Authenticator(started.json()["secret"])
    confirmed = api.post(
        CONFIRM, {"code": authenticator.fresh_code()}, format="json", **bearer(access)
    )
    assert confirmed.status_code == 200, confirmed.content
    body = confirmed.json()
    return Enrolment(
        secret=authenticator.secret,
        authenticator=authenticator,
        recovery_codes=body["recovery_codes"],
        access=body["access"],
        refresh=body["refresh"],
    )


def password_login(api, user, password: str | None = None):
    return api.post(
        LOGIN, {"login": user.username, "password": password or user.raw_password}, format="json"
    )


def mfa_token_of(api, user) -> str:
    """Log ``user`` in with the password; the ``mfa_token`` of the 401 mfa_required."""
    response = password_login(api, user)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "mfa_required"
    return response.json()["mfa_token"]


def login_mfa(api, mfa_token: str, **factor: str):
    """POST /login/mfa with ``code=`` or ``recovery_code=``."""
    return api.post(LOGIN_MFA, {"mfa_token": mfa_token, **factor}, format="json")

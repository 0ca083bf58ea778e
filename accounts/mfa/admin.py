"""What the mfa capability adds to the admin: the user admin's MFA column, filter, field and
"Reset MFA" action, and the admin site itself, which asks staff for their TOTP code.

``MfaAdminSite`` replaces ``django.contrib.admin.site`` through Django's own hook for that,
``AdminConfig.default_site`` (``accounts.apps.AdminSiteConfig``): every ``admin.register``
call, ours and third-party apps', lands on it, and every admin view goes through its
``has_permission`` and ``admin_view``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, NoReturn

import django_otp
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from accounts.mfa.admin_enrol import admin_totp_enrol_confirm
from accounts.mfa.models import TotpDevice
from accounts.mfa.selectors import mfa_enabled, mfa_status, totp_device_confirmed
from accounts.mfa.services import mfa_reset, totp_enrolment_start
from accounts.users.models import User
from authsvc.exceptions import Conflict, ServiceError

# --- The user admin ---------------------------------------------------------------


def _with_mfa_state(queryset: QuerySet[User]) -> QuerySet[User]:
    confirmed = TotpDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return queryset.annotate(mfa_on=Exists(confirmed))


class MfaFilter(admin.SimpleListFilter):
    title = "MFA"
    parameter_name = "mfa"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() not in ("yes", "no"):
            return queryset
        # mfa_on is annotated by MfaAdminMixin.get_queryset.
        return queryset.filter(Q(mfa_on=self.value() == "yes"))


class MfaAdminMixin(admin.ModelAdmin):
    """Mixed into the user admin before ``accounts.users.admin.UserAdmin``."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return _with_mfa_state(super().get_queryset(request))

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = list(super().get_list_display(request))
        at = columns.index("is_active") + 1 if "is_active" in columns else len(columns)
        return (*columns[:at], "mfa", *columns[at:])

    def get_list_filter(self, request: HttpRequest) -> Any:
        return (MfaFilter, *super().get_list_filter(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "second_factor")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets  # the add form
        return (*fieldsets, ("Second factor", {"fields": ("second_factor",)}))

    @admin.display(boolean=True, description="MFA", ordering="mfa_on")
    def mfa(self, user: Any) -> bool:
        return bool(user.mfa_on)

    @admin.display(description="Second factor")
    def second_factor(self, user: User) -> str:
        status = mfa_status(user=user)
        if not status.totp_enabled or status.totp_confirmed_at is None:
            return "Off"
        since = status.totp_confirmed_at.isoformat(timespec="seconds")
        return f"TOTP on since {since}; {status.recovery_codes_remaining} recovery code(s) left"

    @admin.action(description="Reset MFA", permissions=["change"])
    def reset_mfa(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        by = f"admin:{request.user.pk}"
        reset = [user for user in queryset if mfa_reset(user=user, by=by, request=request)]
        self.message_user(
            request,
            f"Reset MFA of {len(reset)} user(s); their owners were mailed. "
            f"{queryset.count() - len(reset)} selected user(s) had none.",
            messages.SUCCESS,
        )


# --- The admin site: a TOTP code at login, enrolment when it is required --------------


@dataclass(frozen=True)
class AdminLoginRefusal:
    """Why a right password did not open the admin; read by the login view's audit row."""

    user: User
    reason: str  # "mfa_code_required" or "mfa_code_invalid"


class MfaAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form with an optional code: required when the account has TOTP.

    The password is checked first, as usual (AxesBackend counts the attempt before the
    hash). A missing or wrong code is then a failed login: ``user_login_failed`` tells axes,
    so the attempt stays counted, is logged and can lock the account, and six digits
    cannot be guessed past the lockout. A right code is consumed (one UPDATE: a replayed
    code fails) and left on ``user.otp_device``, where django-otp's ``user_logged_in``
    receiver finds it and calls ``django_otp.login``: the session is verified.
    """

    code = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=16,
        strip=True,
        help_text="From your authenticator app, when your account has one.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "mfa_code_required": "Enter the code from your authenticator app.",
        "mfa_code_invalid": "The code is wrong, expired or already used.",
    }

    @sensitive_variables("code")
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        device = totp_device_confirmed(user=user) if user is not None else None
        if user is None or device is None:
            return cleaned
        code = "".join(str(cleaned.get("code") or "").split())
        if code and device.verify_token(code):
            user.otp_device = device  # type: ignore[attr-defined]
            return cleaned
        self._refuse(user=user, reason="mfa_code_invalid" if code else "mfa_code_required")

    def _refuse(self, *, user: User, reason: str) -> NoReturn:
        self.request.admin_login_refusal = AdminLoginRefusal(user=user, reason=reason)  # type: ignore[union-attr]
        # Only the name: django.contrib.auth.authenticate leaves secrets out of this signal too.
        credentials = {"username": self.cleaned_data.get("username")}
        user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
        self.user_cache = None
        raise ValidationError(self.error_messages[reason], code=reason)


class MfaEnrolForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def admin_mfa_verified(request: HttpRequest) -> bool:
    """Whether this session proved a second factor: django-otp's ``user.is_verified()``.

    Read as the attribute behind it: ``auth.login`` swaps ``request.user`` for a user the
    OTPMiddleware never saw, which has ``otp_device`` only when the form put it there.
    """
    return getattr(request.user, "otp_device", None) is not None


class MfaAdminSite(admin.AdminSite):
    """The admin site, with a second factor for staff.

    - A staff user with a confirmed TOTP device is let in only once this session has been
      verified with one of its codes (``has_permission``), which the login form demands.
    - With AUTH_ADMIN_REQUIRE_MFA, a staff user without TOTP may log in with the password,
      but every admin page except logout sends them to the enrolment page
      (``admin_view``); a right first code there verifies the session.
    """

    login_form = MfaAdminAuthenticationForm
    login_template = "admin/mfa/login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return admin_mfa_verified(request) or not mfa_enabled(user=request.user)  # type: ignore[arg-type]

    def enrolment_due(self, request: HttpRequest) -> bool:
        return (
            settings.AUTH_ADMIN_REQUIRE_MFA
            and super().has_permission(request)
            and not admin_mfa_verified(request)
            and not mfa_enabled(user=request.user)  # type: ignore[arg-type]
        )

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        guarded = super().admin_view(view, cacheable)

        @wraps(view)
        def enrol_first(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            logout = reverse("admin:logout", current_app=self.name)
            if request.path != logout and self.enrolment_due(request):
                return HttpResponseRedirect(reverse("admin:mfa_enrol", current_app=self.name))
            return guarded(request, *args, **kwargs)

        return never_cache(enrol_first)

    def get_urls(self) -> list[URLResolver | URLPattern]:
        enrol = path("mfa/enrol/", self.mfa_enrol, name="mfa_enrol")
        return [enrol, *super().get_urls()]

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if request.method == "GET" and self.enrolment_due(request):
            return HttpResponseRedirect(reverse("admin:mfa_enrol", current_app=self.name))
        return super().login(request, extra_context)

    @method_decorator(sensitive_post_parameters("code"))
    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    def mfa_enrol(self, request: HttpRequest) -> HttpResponse:
        """Set up TOTP: GET shows a new secret as a QR code, POST takes its first code.

        Open to any active staff user without TOTP; a right code turns TOTP on, verifies
        this session and goes on to the admin index.
        """
        index = reverse("admin:index", current_app=self.name)
        if not super().has_permission(request):
            return redirect_to_login(
                request.get_full_path(), reverse("admin:login", current_app=self.name)
            )
        user: User = request.user  # type: ignore[assignment]
        if mfa_enabled(user=user):
            return HttpResponseRedirect(index)
        form = MfaEnrolForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                device, codes = admin_totp_enrol_confirm(
                    user=user, code=form.cleaned_data["code"], request=request
                )
            except Conflict:
                return HttpResponseRedirect(request.path)  # nothing pending: start one
            except ServiceError as exc:
                form.add_error("code", exc.detail)
            else:
                return self._enrolled(request, device=device, codes=codes, index=index)
        context = {
            **self.each_context(request),
            "title": "Set up two-factor authentication",
            "form": form,
            "required": settings.AUTH_ADMIN_REQUIRE_MFA,
            # A failed code keeps the secret already scanned; only a GET starts over.
            "enrolment": totp_enrolment_start(user=user) if request.method != "POST" else None,
        }
        return TemplateResponse(request, "admin/mfa/enrol.html", context)

    def _enrolled(
        self, request: HttpRequest, *, device: TotpDevice, codes: list[str], index: str
    ) -> HttpResponse:
        """The session is verified; the recovery codes are shown this once (never cached)."""
        # The session gains a privilege: a new id, as Django's login gives one.
        request.session.cycle_key()
        django_otp.login(request, device)
        context = {
            **self.each_context(request),
            "title": "Two-factor authentication is on",
            "recovery_codes": codes,
            "index": index,
        }
        return TemplateResponse(request, "admin/mfa/enrolled.html", context)

"""The security audit trail's table."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditLog(models.Model):
    """One security event (``services.AuditAction``). Written only by ``audit_record``.

    ``user`` survives as NULL when the account is deleted, so the trail outlives it.
    """

    USER_AGENT_MAX_LENGTH = 256

    id = models.BigAutoField(primary_key=True)
    # The (user, created_at) index below serves user lookups; no separate FK index.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False,
        related_name="audit_logs",
    )  # fmt: skip
    action = models.CharField(max_length=64)
    status = models.CharField(max_length=16)
    request_id = models.CharField(max_length=128, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audit_logs"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["user", "created_at"], name="audit_logs_user_time_idx"),
            models.Index(fields=["created_at"], name="audit_logs_time_idx"),
            # Following one request from the logs to the trail: WHERE request_id = '...'.
            models.Index(fields=["request_id"], name="audit_logs_request_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.status} {self.created_at:%Y-%m-%d %H:%M:%S}"

"""OpenAPI pieces for the error contract: the Problem schema and per-endpoint error responses."""

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from authsvc import exceptions as errors
from authsvc.problems import PROBLEM_TYPE_PREFIX

EXAMPLE_REQUEST_ID = "7f1c2a9e-3b4d-4c6e-9f10-2a3b4c5d6e7f"

# What any endpoint that reads a JSON body can answer before it looks at the fields.
BODY_ERRORS = (errors.ParseError, errors.UnsupportedMediaType, errors.PayloadTooLarge)
# Past a per-IP rate (429), or its store unreachable with AUTH_RATELIMIT_FAIL_OPEN off (503).
RATE_ERRORS = (errors.RateLimited, errors.ServiceUnavailable)


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as every error of this API is shaped."""

    type = serializers.CharField(help_text="URI identifying the problem type.")
    title = serializers.CharField(help_text="Short summary of the problem type.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="Explanation of this occurrence.")
    code = serializers.CharField(help_text="Stable, snake_case machine-readable code.")
    request_id = serializers.CharField(help_text="The request's id, also in X-Request-ID.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # Added here because a declared `errors` attribute would shadow Serializer.errors.
        fields = super().get_fields()
        fields["errors"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Per-field messages; present on validation errors.",
        )
        return fields


def _example(error: type[errors.ServiceError], **extra: Any) -> OpenApiExample:
    value = {
        "type": PROBLEM_TYPE_PREFIX + error.code,
        "title": error.title,
        "status": error.status,
        "detail": error.default_detail,
        "code": error.code,
        "request_id": EXAMPLE_REQUEST_ID,
        **error.extensions,
        **extra,
    }
    # Named by class: two errors may share a code (a timed lock and one until a reset).
    return OpenApiExample(error.__name__, value=value, media_type="application/problem+json")


def problem_responses(
    *error_classes: type[errors.ServiceError],
    examples: dict[type[errors.ServiceError], dict[str, Any]] | None = None,
) -> dict[tuple[int, str], OpenApiResponse]:
    """Error responses for ``extend_schema(responses=...)``, one per status, an example per code."""
    by_status: dict[int, list[type[errors.ServiceError]]] = {}
    for error in error_classes:
        by_status.setdefault(error.status, []).append(error)
    return {
        (status, "application/problem+json"): OpenApiResponse(
            response=ProblemSerializer,
            description=" or ".join(dict.fromkeys(f"`{error.code}`" for error in group)),
            examples=[_example(error, **(examples or {}).get(error, {})) for error in group],
        )
        for status, group in by_status.items()
    }

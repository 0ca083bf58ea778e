"""Probes and scrapes: liveness (/healthz), readiness (/readyz), metrics (/metrics).

All three are unauthenticated for the API's token scheme and never rate-limited;
/metrics can be restricted with AUTH_METRICS_TOKEN (see docs/operations.md).
"""

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from authsvc import exceptions as errors
from authsvc.metrics import metrics_response
from authsvc.openapi import EXAMPLE_REQUEST_ID, ProblemSerializer, problem_responses
from authsvc.problems import PROBLEM_TYPE_PREFIX
from authsvc.readiness import DEGRADED, FAIL, OK, readiness_run

HEALTHY = b'{"status":"ok"}'


class HealthView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:  # type: ignore[override]
        """GET and HEAD answer without DRF's request cycle; other methods go through it.

        A liveness probe reads nothing and has one answer, so content negotiation,
        authentication, permissions and throttling were a quarter of its cost
        (docs/performance.md). Other methods keep DRF's 405 problem and OPTIONS, and the
        schema still comes from this class (drf-spectacular reads ``cls``).
        """
        drf_view = super().as_view(**initkwargs)

        def healthz(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method in ("GET", "HEAD"):
                return HttpResponse(HEALTHY, content_type="application/json")
            return drf_view(request, *args, **kwargs)

        functools.update_wrapper(healthz, drf_view)  # cls, initkwargs, csrf_exempt
        return healthz

    @extend_schema(
        operation_id="healthz",
        summary="Liveness probe",
        description="Always 200 while the process serves requests; does no I/O.",
        responses={
            200: inline_serializer("HealthStatus", {"status": serializers.CharField()}),
        },
        tags=["operations"],
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class CheckResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[OK, DEGRADED, FAIL],
        help_text="`degraded`: an optional dependency is unusable and its fallback is in use "
        "(an open circuit breaker); the service still serves.",
    )
    latency_ms = serializers.FloatField()
    error = serializers.CharField(required=False, help_text="Exception class, on failure.")
    state = serializers.CharField(
        required=False, help_text="A circuit breaker's state: closed, open or half-open."
    )


class ReadyStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[OK, DEGRADED], help_text="`degraded` when any check is degraded."
    )
    checks = serializers.DictField(child=CheckResultSerializer())


class NotReadyProblemSerializer(ProblemSerializer):
    checks = serializers.DictField(child=CheckResultSerializer())


_CHECKS_DOWN = {
    "database": {"status": "fail", "latency_ms": 2.1, "error": "OperationalError"},
    "cache": {"status": "ok", "latency_ms": 0.4},
    "breaker:pwned_passwords": {"status": "ok", "latency_ms": 0.3, "state": "closed"},
    "breaker:mail": {"status": "ok", "latency_ms": 0.3, "state": "closed"},
}


class ReadyView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="readyz",
        summary="Readiness probe",
        description="Checks the database, the cache (when a shared one is configured) "
        "and each circuit breaker. 200 lists each check's status and latency; 503 is a "
        "problem document naming the failed checks in `detail` and `checks`. A breaker "
        "that is not closed is `degraded`, not failed: it guards an optional upstream "
        "with a fallback, so the instance stays ready (200, overall status `degraded`).",
        responses={
            200: OpenApiResponse(
                ReadyStatusSerializer,
                examples=[
                    OpenApiExample(
                        "ready",
                        value={
                            "status": "ok",
                            "checks": {
                                "database": {"status": "ok", "latency_ms": 0.8},
                                "breaker:mail": {
                                    "status": "ok",
                                    "latency_ms": 0.3,
                                    "state": "closed",
                                },
                            },
                        },
                    ),
                    OpenApiExample(
                        "degraded",
                        value={
                            "status": "degraded",
                            "checks": {
                                "database": {"status": "ok", "latency_ms": 0.8},
                                "breaker:pwned_passwords": {
                                    "status": "degraded",
                                    "latency_ms": 0.3,
                                    "state": "open",
                                },
                            },
                        },
                    ),
                ],
            ),
            (503, "application/problem+json"): OpenApiResponse(
                NotReadyProblemSerializer,
                description="`not_ready`",
                examples=[
                    OpenApiExample(
                        "not_ready",
                        value={
                            "type": PROBLEM_TYPE_PREFIX + errors.NotReady.code,
                            "title": errors.NotReady.title,
                            "status": 503,
                            "detail": "Not ready: database.",
                            "code": errors.NotReady.code,
                            "request_id": EXAMPLE_REQUEST_ID,
                            "checks": _CHECKS_DOWN,
                        },
                        media_type="application/problem+json",
                    )
                ],
            ),
        },
        tags=["operations"],
    )
    def get(self, request: Request) -> Response:
        results = readiness_run()
        checks: dict[str, Any] = {result.name: result.as_dict() for result in results}
        failed = [result.name for result in results if result.status == FAIL]
        if failed:
            raise errors.NotReady(f"Not ready: {', '.join(failed)}.", checks=checks)
        degraded = any(result.status == DEGRADED for result in results)
        return Response({"status": DEGRADED if degraded else OK, "checks": checks})


class PrometheusTextRenderer(BaseRenderer):
    """Lets content negotiation accept Prometheus' Accept header; the body is pre-rendered."""

    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> Any:
        return data


class MetricsView(APIView):
    authentication_classes = ()
    permission_classes = ()
    renderer_classes = (PrometheusTextRenderer,)

    @extend_schema(
        operation_id="metrics",
        summary="Prometheus metrics",
        description="Prometheus text exposition format, aggregated over all server "
        "processes. When AUTH_METRICS_TOKEN is set, send `Authorization: Bearer <token>`.",
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Metrics."),
            **problem_responses(errors.NotAuthenticated, errors.TokenInvalid),
        },
        tags=["operations"],
    )
    def get(self, request: Request) -> HttpResponse:
        return metrics_response(request._request)

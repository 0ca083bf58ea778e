"""Liveness: answers without touching any dependency."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthView(APIView):
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(
        operation_id="healthz",
        summary="Liveness probe",
        description="Always 200 while the process serves requests; does no I/O.",
        responses={
            200: inline_serializer("HealthStatus", {"status": serializers.CharField()}),
        },
        tags=["health"],
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})

"""DRF's content negotiation with the usual request answered without parsing."""

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class ContentNegotiation(DefaultContentNegotiation):
    """``Accept`` absent or ``*/*`` and no ``?format=``: the view's first renderer, which is
    what DRF's negotiation picks then, without building the query dict and parsing the
    header on every request. Everything else is DRF's."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: Any = None
    ) -> tuple[BaseRenderer, str]:
        meta = request.META
        if (
            not format_suffix
            and meta.get("HTTP_ACCEPT", "*/*") == "*/*"
            and not meta.get("QUERY_STRING")
            and (first := next(iter(renderers), None)) is not None
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)

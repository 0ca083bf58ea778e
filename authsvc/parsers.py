"""A JSON parser that bounds what a client can make the service do."""

import io
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.parsers import JSONParser

from authsvc import exceptions as errors


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser reads the stream itself, bypassing DATA_UPLOAD_MAX_MEMORY_SIZE;
    this one enforces it, and turns pathological nesting into a parse error, not a 500."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise errors.PayloadTooLarge(f"The request body exceeds {limit} bytes.")
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise errors.ParseError("The JSON document is nested too deeply.") from None

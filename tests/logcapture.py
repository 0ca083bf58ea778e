"""Capture what the configured log handlers really write, without mocking them.

The handler LOGGING installed on the root logger keeps its formatter and filters;
only its stream is swapped for a buffer while the block runs.
"""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from authsvc.logging import RedactSecretsFilter


@dataclass
class CapturedLogs:
    buffer: io.StringIO = field(default_factory=io.StringIO)

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def records(self) -> list[dict]:
        """Every line, parsed; a line that is not JSON fails the test here."""
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def by_logger(self, name: str) -> list[dict]:
        return [record for record in self.records() if record["logger"] == name]


def configured_handlers() -> list[logging.StreamHandler]:
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.StreamHandler)
        and any(isinstance(f, RedactSecretsFilter) for f in handler.filters)
    ]
    assert handlers, "LOGGING did not install the authsvc handler on the root logger"
    return handlers


@contextmanager
def capture_logs(level: int | None = None) -> Iterator[CapturedLogs]:
    """Route the real handlers' output into a buffer; ``level`` temporarily lowers the root's."""
    captured = CapturedLogs()
    handlers = configured_handlers()
    root = logging.getLogger()
    previous_level = root.level
    previous_streams = [handler.setStream(captured.buffer) for handler in handlers]
    if level is not None:
        root.setLevel(level)
    try:
        yield captured
    finally:
        root.setLevel(previous_level)
        for handler, stream in zip(handlers, previous_streams, strict=True):
            handler.setStream(stream)

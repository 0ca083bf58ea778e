"""gunicorn's gthread worker, accepting new connections first where a thread is free.

Stock gthread accepts every connection it can (up to ``worker_connections``), busy or
not (gunicorn #908, #3433). With keep-alive, a burst of new connections often lands on
one worker while another sits idle: in the benchmark, eight wrk connections all went to
one of the two workers in about one slice in three, and /healthz and /me then ran at
half speed (one process, one GIL, one core). Here a worker whose threads are all busy
pauses accepting, so an idle worker picks the connection up from the listen queue.

A pause lasts at most ``ACCEPT_GRACE_SECONDS``: when every worker is busy, a waiting
connection is accepted anyway, as stock gthread would, instead of waiting behind the
kept-alive connections for as long as they keep the threads busy (seen without the
grace: a login waited 14 s at 8 clients). The price: a worker busy for longer than
that (a login's hash) accepts again as stock gthread does, so the balancing holds for
bursts of connections and short requests, not for every connection.
"""

import time
from concurrent.futures import Future
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

ACCEPT_GRACE_SECONDS = 0.05


class BalancedThreadWorker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Requests handed to the thread pool and not finished yet, and when accepting
        # was last paused. Only the worker's main thread (its event loop) touches them.
        self.in_flight = 0
        self.paused_at = 0.0

    def has_free_thread(self) -> bool:
        return self.in_flight < self.cfg.threads

    def set_accept_enabled(self, enabled: bool) -> None:
        # The event loop calls this on every turn while accepting is paused.
        if enabled and not self.has_free_thread():
            enabled = time.monotonic() - self.paused_at >= ACCEPT_GRACE_SECONDS
        super().set_accept_enabled(enabled)

    def enqueue_req(self, conn: Any) -> None:
        super().enqueue_req(conn)
        self.in_flight += 1
        if not self.has_free_thread() and self._accepting:
            self.paused_at = time.monotonic()
            super().set_accept_enabled(False)

    def finish_request(self, conn: Any, fs: Future) -> None:
        self.in_flight -= 1
        super().finish_request(conn, fs)

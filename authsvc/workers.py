"""gunicorn's gthread worker, accepting a new connection only while one of its threads is free.

Stock gthread accepts every connection it can (up to ``worker_connections``), busy or
not (gunicorn #908, #3433). With keep-alive, a burst of new connections often lands on
one worker while another sits idle: in the benchmark, eight wrk connections all went to
one of the two workers in about one slice in three, and /healthz and /me then ran at
half speed (one process, one GIL, one core). Here a worker whose threads are all busy
leaves new connections in the listen queue, where an idle worker picks them up.
Connections it has already accepted are served as before.
"""

from concurrent.futures import Future
from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Requests handed to the thread pool and not finished yet. Only the worker's
        # main thread (the event loop) changes it: no lock needed.
        self.in_flight = 0

    def has_free_thread(self) -> bool:
        return self.in_flight < self.cfg.threads

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self.has_free_thread())

    def enqueue_req(self, conn: Any) -> None:
        super().enqueue_req(conn)
        self.in_flight += 1
        if not self.has_free_thread():
            # The event loop only re-enables accepting; stop here, at the moment of need.
            super().set_accept_enabled(False)

    def finish_request(self, conn: Any, fs: Future) -> None:
        self.in_flight -= 1
        super().finish_request(conn, fs)

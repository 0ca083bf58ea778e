"""The task queue (django-tasks' database backend) as operations sees it.

- ``oldest_pending_age`` and the ``task_queue`` /readyz check: a queue that does not move
  (no worker, or too few) shows as "degraded", never as a failure.
- ``orphans_requeue``: django-tasks-db never runs a "running" task again, even when the
  worker that claimed it died; ``manage.py db_worker`` (authsvc's wrapper of the package's
  command) puts such tasks back in the queue when it starts.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from authsvc.readiness import Degraded, register_check

logger = logging.getLogger("authsvc.taskqueue")


def oldest_pending_age(now: datetime | None = None) -> timedelta | None:
    """How long the oldest task due to run has waited: since it was queued, or for a
    deferred one (a retry) since its ``run_after``; None when nothing is due."""
    now = now or timezone.now()
    due = DBTaskResult.objects.ready()
    queued = (
        due.filter(run_after=get_date_max())
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    deferred = (
        due.exclude(run_after=get_date_max())
        .order_by("run_after")
        .values_list("run_after", flat=True)
        .first()
    )
    since = min((stamp for stamp in (queued, deferred) if stamp is not None), default=None)
    return None if since is None else max(timedelta(0), now - since)


def task_queue_check() -> str:
    """/readyz ``task_queue``: the oldest due task's wait; degraded past MAIL_QUEUE_MAX_AGE.

    Degraded, never failed: a queue that does not move is a worker problem, and taking
    this web instance out of rotation would not deliver one mail, only stop logins too.
    """
    try:
        age = oldest_pending_age()
    except Exception as exc:
        # The database check already fails for the database itself; here: cannot tell.
        raise Degraded("unknown") from exc
    if age is None:
        return "empty"
    state = f"oldest waiting {int(age.total_seconds())} s"
    if age.total_seconds() > settings.MAIL_QUEUE_MAX_AGE:
        raise Degraded(state)
    return state


def orphan_age() -> timedelta:
    """How long a task may have been "running" before it is taken for orphaned.

    Far above the longest delivery: each SMTP operation is bounded by EMAIL_TIMEOUT and a
    delivery makes about ten, so a live worker is never robbed of the task it is running.
    """
    return timedelta(seconds=max(60, 20 * settings.EMAIL_TIMEOUT))


def orphans_requeue(now: datetime | None = None) -> int:
    """Put tasks claimed longer than ``orphan_age`` ago, and never finished, back in the
    queue; how many. This is what makes delivery at least once."""
    cutoff = (now or timezone.now()) - orphan_age()
    count = (
        DBTaskResult.objects.running()
        .filter(Q(started_at__lt=cutoff) | Q(started_at__isnull=True))
        .update(status=TaskResultStatus.READY, started_at=None)
    )
    if count:
        logger.warning("requeued %d task(s) left running by a worker that stopped", count)
    return count


def readiness_checks_register() -> None:
    register_check("task_queue", task_queue_check)

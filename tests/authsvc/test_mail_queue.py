"""The mail queue: mail_enqueue writes a task with the caller's transaction, db_worker
delivers it through the breaker to a real SMTP server on loopback, retrying with backoff.

Cross-process tests run real ``manage.py db_worker`` processes (tests/tasks.py) and are
transactional: a worker sees committed rows only.
"""

import json
import logging
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import InvalidToken
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY

from authsvc.mail import mail_enqueue, mail_seal, mail_unseal, retry_delay
from authsvc.taskqueue import oldest_pending_age, orphans_requeue
from tests import servers
from tests.conftest import SMTP_TEST_FROM
from tests.servers import ROOT, free_port
from tests.tasks import WorkerProcess, queue_drained, run_queued_tasks, start_db_worker
from tests.upstreams import SmtpSink, html_body, text_body
from tests.worker_tasks import delete_own_row

ADDRESS = "owner@example.com"
SECRET = "token-0123456789abcdef"  # what later mails will carry: never in a log


def _mails(event: str) -> float:
    return REGISTRY.get_sample_value("authsvc_mails_total", {"event": event}) or 0.0


def _enqueue(subject: str = "Hello") -> str | None:
    return mail_enqueue(to=[ADDRESS], subject=subject, body=f"Use {SECRET}.", html_body=None)


def _worker_env(port: int, **extra: str) -> dict[str, str]:
    return {
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "EMAIL_TIMEOUT": "2",
        "AUTH_MAIL_FROM": SMTP_TEST_FROM,
        **extra,
    }


@pytest.mark.django_db(transaction=True)
def test_a_mail_queued_in_a_rolled_back_transaction_is_never_sent(smtp_settings):
    # given
    def work_that_fails() -> None:
        with transaction.atomic():
            assert _enqueue() is not None
            assert DBTaskResult.objects.count() == 1  # written, inside the transaction
            raise RuntimeError("the work that queued the mail failed")

    with pytest.raises(RuntimeError):
        work_that_fails()

    # when: a worker runs whatever is queued
    ran = run_queued_tasks()

    # then
    assert ran == 0
    assert DBTaskResult.objects.count() == 0
    assert smtp_settings.messages == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_mail_is_delivered_with_text_and_html_from_the_configured_sender(
    smtp_settings, settings
):
    settings.AUTH_MAIL_FROM = "Security <security@example.com>"
    with transaction.atomic():
        mail_enqueue(to=[ADDRESS], subject="Hi", body="plain words", html_body="<p>html</p>")

    assert run_queued_tasks() == 1

    (message,) = smtp_settings.messages
    assert message["From"] == "Security <security@example.com>"
    assert message["To"] == ADDRESS
    assert text_body(message) == "plain words"
    assert html_body(message) == "<p>html</p>"
    assert DBTaskResult.objects.get().return_value == "sent"


@pytest.mark.django_db(transaction=True)
def test_smtp_down_then_up_the_mail_arrives_after_a_retry(tmp_path):
    # given: a real worker whose mail server is not listening yet
    port = free_port()
    worker = start_db_worker(tmp_path, env=_worker_env(port, MAIL_RETRY_BASE_SECONDS="2"))
    sink = None
    try:
        _enqueue("Retried")

        # when: the first attempt fails and queues the next; then the server comes up
        deadline = time.monotonic() + 15
        while not DBTaskResult.objects.filter(return_value="retried").exists():
            assert time.monotonic() < deadline, worker.logs()
            time.sleep(0.05)
        sink = SmtpSink(port=port).start()

        # then: the retry delivers it, once
        (message,) = sink.wait_for(1, timeout=20)
        queue_drained()
        assert message["Subject"] == "Retried"
        outcomes = sorted(DBTaskResult.objects.values_list("return_value", flat=True))
        assert outcomes == ["retried", "sent"]
        assert ADDRESS not in worker.logs()
        assert SECRET not in worker.logs()
    finally:
        worker.stop()
        if sink is not None:
            sink.stop()


@pytest.mark.django_db
def test_delivery_gives_up_after_the_bound_is_logged_and_counted(settings, caplog):
    # given: nothing listens on the mail port; three attempts, no wait between them
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.MAIL_MAX_ATTEMPTS, settings.MAIL_RETRY_BASE_SECONDS = 3, 0
    retried, given_up, sent = _mails("retried"), _mails("given_up"), _mails("sent")
    _enqueue()
    caplog.set_level(logging.INFO, logger="authsvc.mail")

    # when
    ran = run_queued_tasks()

    # then: three attempts, two retries, then given up, once
    assert ran == 3
    outcomes = list(DBTaskResult.objects.order_by("enqueued_at").values_list("return_value"))
    assert outcomes == [("retried",), ("retried",), ("given_up",)]
    assert (_mails("retried") - retried, _mails("given_up") - given_up) == (2, 1)
    assert _mails("sent") == sent
    [gave_up] = [r for r in caplog.records if r.name == "authsvc.mail" and r.levelname == "ERROR"]
    assert gave_up.getMessage() == "mail given up after 3 attempt(s): every attempt failed"
    assert ADDRESS not in caplog.text and SECRET not in caplog.text


def test_the_retry_delay_doubles_from_the_base(settings):
    settings.MAIL_RETRY_BASE_SECONDS = 30
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 5)] == [30, 60, 120, 480]


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_a_batch_and_send_each_mail_once(tmp_path):
    # given: two workers, and a mail server slow enough that one cannot take the whole batch
    sink = SmtpSink(delay_seconds=0.1).start()
    workers = [
        start_db_worker(tmp_path, env=_worker_env(sink.port, MAIL_RETRY_BASE_SECONDS="1"))
        for _ in range(2)
    ]
    subjects = [f"mail {n}" for n in range(20)]
    try:
        # when: a batch is committed at once
        with transaction.atomic():
            for subject in subjects:
                _enqueue(subject)
        sink.wait_for(len(subjects), timeout=60)
        queue_drained()
    finally:
        for worker in workers:
            worker.stop()
        sink.stop()

    # then: every mail exactly once, each by one worker, and both workers did some of them
    assert sorted(message["Subject"] for message in sink.messages) == sorted(subjects)
    rows = DBTaskResult.objects.all()
    assert {row.return_value for row in rows} == {"sent"}
    assert all(len(row.worker_ids) == 1 for row in rows)
    assert {row.worker_ids[0] for row in rows} == {worker.worker_id for worker in workers}


@pytest.mark.django_db
def test_a_task_left_running_by_a_dead_worker_is_queued_again_and_delivered(smtp_settings):
    # given: a mail claimed by a worker that died mid-delivery, long ago
    _enqueue("Orphaned")
    DBTaskResult.objects.update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1), worker_ids=["dead"]
    )
    assert run_queued_tasks() == 0  # the package alone never runs it again

    # when: a worker starts (db_worker does this first)
    requeued = orphans_requeue()

    # then: delivered (at least once: the dead worker may have sent it already)
    assert requeued == 1
    assert run_queued_tasks() == 1
    assert [message["Subject"] for message in smtp_settings.messages] == ["Orphaned"]


@pytest.mark.django_db
def test_a_task_running_now_is_left_to_its_worker():
    _enqueue()
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())

    assert orphans_requeue() == 0
    assert DBTaskResult.objects.get().status == "RUNNING"


@pytest.mark.django_db
def test_readyz_reports_the_queue_and_is_degraded_but_200_with_an_old_pending_task(api, settings):
    # given: an empty queue
    empty = api.get("/readyz").json()["checks"]["task_queue"]
    _enqueue()
    fresh = api.get("/readyz").json()["checks"]["task_queue"]

    # when: the pending mail has waited longer than the bound
    DBTaskResult.objects.update(
        enqueued_at=timezone.now() - timedelta(seconds=settings.MAIL_QUEUE_MAX_AGE + 60)
    )
    response = api.get("/readyz")

    # then
    assert empty["status"] == "ok" and empty["state"] == "empty"
    assert fresh["status"] == "ok" and fresh["state"].startswith("oldest waiting ")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["task_queue"]["status"] == "degraded"
    waited = int(body["checks"]["task_queue"]["state"].split()[2])
    assert settings.MAIL_QUEUE_MAX_AGE + 60 <= waited <= settings.MAIL_QUEUE_MAX_AGE + 70


@pytest.mark.django_db
def test_a_retry_not_yet_due_is_not_pending_but_one_overdue_is():
    _enqueue()
    DBTaskResult.objects.update(run_after=timezone.now() + timedelta(minutes=5))
    assert oldest_pending_age() is None

    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(minutes=5))
    age = oldest_pending_age()
    assert age is not None and timedelta(minutes=5) <= age < timedelta(minutes=6)


@pytest.mark.django_db(transaction=True)
def test_metrics_count_mails_queued_on_commit_and_sent(api, smtp_settings):
    # given
    queued, sent = _mails("queued"), _mails("sent")

    # when: one mail rolled back, one committed and delivered
    def rolled_back() -> None:
        with transaction.atomic():
            _enqueue()
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        rolled_back()
    with transaction.atomic():
        _enqueue()
        assert _mails("queued") == queued  # not before the commit
    run_queued_tasks()

    # then
    assert (_mails("queued") - queued, _mails("sent") - sent) == (1, 1)
    text = api.get("/metrics").content.decode()
    assert f'authsvc_mails_total{{event="sent"}} {_mails("sent")}' in text


def _start_worker_serving_metrics(tmp_path: Path, metrics_port: int, env: dict[str, str]):
    """``manage.py db_worker --metrics-port``, as the compose worker service runs it."""
    log_path = tmp_path / "db_worker-metrics.log"
    command = [
        sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay",
        "--no-reload", "--worker-id", "metrics", "--metrics-port", str(metrics_port),
    ]  # fmt: skip
    worker_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        # Not imported by name: pytest would collect a test_* function as a test.
        "DATABASE_URL": servers.test_database_url(),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=worker_env, stdout=log, stderr=subprocess.STDOUT
        )
    return WorkerProcess(process, log_path, "metrics")


def _scraped(metrics_url: str, event: str) -> float | None:
    text = httpx.get(metrics_url, timeout=2).text
    line = f'authsvc_mails_total{{event="{event}"}} '
    values = [float(row[len(line) :]) for row in text.splitlines() if row.startswith(line)]
    return values[0] if values else None


@pytest.mark.django_db(transaction=True)
def test_the_worker_serves_its_sent_retried_and_given_up_counts(tmp_path):
    # given: a worker serving its metrics, its mail server not listening yet, two attempts
    metrics_port, smtp_port = free_port(), free_port()
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    env = _worker_env(smtp_port, MAIL_MAX_ATTEMPTS="2", MAIL_RETRY_BASE_SECONDS="0")
    worker = _start_worker_serving_metrics(tmp_path, metrics_port, env)
    sink = None
    try:
        deadline = time.monotonic() + 30
        while True:
            assert worker.process.poll() is None, worker.logs()
            assert time.monotonic() < deadline, worker.logs()
            try:
                before = _scraped(metrics_url, "sent")
                break
            except httpx.TransportError:
                time.sleep(0.1)

        # when: one mail fails twice and is given up; then the server is up for another
        _enqueue("Lost")
        deadline = time.monotonic() + 20
        while not DBTaskResult.objects.filter(return_value="given_up").exists():
            assert time.monotonic() < deadline, worker.logs()
            time.sleep(0.05)
        sink = SmtpSink(port=smtp_port).start()
        _enqueue("Delivered")
        sink.wait_for(1, timeout=20)
        queue_drained()

        # then: the worker's own /metrics counts each event; queuing is the web's to count
        assert before is None  # a labelled counter has no sample before its first event
        counts = {event: _scraped(metrics_url, event) for event in ("sent", "retried", "given_up")}
        assert counts == {"sent": 1, "retried": 1, "given_up": 1}
        assert [message["Subject"] for message in sink.messages] == ["Delivered"]
    finally:
        worker.stop()
        if sink is not None:
            sink.stop()


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_row_vanishes_while_running_does_not_stop_the_worker(tmp_path, smtp):
    # given a real worker, and a task that deletes its own row while it runs
    worker = start_db_worker(tmp_path, env=_worker_env(smtp.port))
    smtp.messages.clear()
    try:
        delete_own_row.enqueue()
        deadline = time.monotonic() + 15
        while DBTaskResult.objects.exists():
            assert time.monotonic() < deadline, worker.logs()
            time.sleep(0.05)

        # when a mail is queued after it
        _enqueue("After the vanished row")

        # then the same worker is still there to deliver it
        (message,) = smtp.wait_for(1, timeout=20)
        assert message["Subject"] == "After the vanished row"
        assert worker.process.poll() is None
        assert "starting it again" in worker.logs()
    finally:
        worker.stop()


@pytest.mark.django_db
def test_the_queue_row_holds_the_body_sealed_never_readable(settings):
    # given a mail whose body carries a token, queued
    _enqueue("Sealed")

    # then the row in the database holds neither the token nor the text around it
    [row] = DBTaskResult.objects.all()
    stored = json.dumps(row.args_kwargs)
    assert SECRET not in stored
    assert "Use " not in stored
    # and a key rotation keeps it deliverable: the old key is a fallback now
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    sealed = row.args_kwargs["kwargs"]["sealed_body"]
    assert mail_unseal(sealed) == f"Use {SECRET}."


def test_a_sealed_body_cannot_be_opened_without_the_key(settings):
    sealed = mail_seal("token-secret")
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = []

    with pytest.raises(InvalidToken):
        mail_unseal(sealed)

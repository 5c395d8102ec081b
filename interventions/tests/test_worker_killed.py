"""A real Celery worker killed (SIGKILL) while it scores the night, then started again: the night finishes by
itself, with every customer scored once and the proposals made once.

The worker is a separate process on a Redis of the test's own (never the shared one), with a visibility timeout of
a few seconds so that the killed worker's message comes back within the test; production waits
CELERY_VISIBILITY_TIMEOUT. PostgreSQL only: the worker must see the rows this test commits.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from interventions.models import Intervention, NightlyRunRecord, NightlyState
from interventions.tasks import nightly_task
from predictions.models import Prediction
from predictions.services.training import models_train
from tests.outage import OwnRedis, celery_on

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

END = dt.date(2026, 10, 31)
AS_OF = END + dt.timedelta(days=1)
VISIBILITY_TIMEOUT = 4
CHUNK = 100


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(redis: OwnRedis, artifacts: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sheba_retention.settings.local",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "SCORING_CHUNK_SIZE": str(CHUNK),
        "MODEL_ARTIFACTS_DIR": str(artifacts),
    }
    command = [sys.executable, "-m", "celery", "-A", "sheba_retention", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(  # noqa: S603  (our own arguments)
        command, cwd=settings.BASE_DIR, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def _chunks_started(log: Path) -> int:
    """Scoring chunks the worker has taken (the solo pool runs each as soon as it is received)."""
    return sum("predictions.score_chunk[" in line and "received" in line for line in log.read_text().splitlines())


def _wait_for(condition, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s; worker log:\n{log.read_text()[-4000:]}")
        time.sleep(0.05)


def test_a_worker_killed_while_scoring_the_night_finishes_it_once_restarted(settings, tmp_path):
    # given: a marketplace with trained models, committed, and a worker on a Redis of our own
    settings.MODEL_ARTIFACTS_DIR = tmp_path
    call_command("generate_data", customers=600, years=1, seed=11, end_date=END, verbosity=0)
    models_train(as_of=AS_OF)
    redis = OwnRedis()
    log = tmp_path / "worker.log"
    worker = _worker(redis, tmp_path, log)
    try:
        # when: the night is queued, and the worker is killed as it starts its second chunk (the first written)
        with celery_on(redis.url):
            nightly_task.apply_async(ignore_result=True)
            scored = Prediction.objects.filter(as_of=AS_OF)
            _wait_for(lambda: _chunks_started(log) >= 2, 120, "no second chunk started", log)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            at_the_kill = scored.count()
            night = NightlyRunRecord.objects.get(as_of=AS_OF)
            time.sleep(VISIBILITY_TIMEOUT + 1)
            complete_before_restart = NightlyRunRecord.objects.get(as_of=AS_OF).state == NightlyState.COMPLETE

            # ... and started again
            worker = _worker(redis, tmp_path, log)
            _wait_for(
                lambda: NightlyRunRecord.objects.get(as_of=AS_OF).state == NightlyState.COMPLETE,
                180,
                "the night did not complete",
                log,
            )
    finally:
        worker.kill()
        worker.wait(timeout=10)
        redis.stop()

    # then: the kill left the night half done, and the restarted worker finished it, nothing twice
    assert len(night.chunks) >= 4
    first, last = night.chunks[0]
    assert at_the_kill == Prediction.objects.filter(as_of=AS_OF, customer_id__gte=first, customer_id__lte=last).count()
    assert not complete_before_restart
    per_customer = Prediction.objects.filter(as_of=AS_OF).values("customer_id").annotate(n=Count("id"))
    assert {row["n"] for row in per_customer} == {1}
    for first, last in night.chunks:
        assert Prediction.objects.filter(as_of=AS_OF, customer_id__gte=first, customer_id__lte=last).exists()
    proposals = Intervention.objects.values("customer_id").annotate(n=Count("id"))
    assert proposals
    assert {row["n"] for row in proposals} == {1}
    assert log.read_text().count("interventions.nightly_after_scoring") >= 1

"""Redis down (the cache and Celery's broker and result backend): every endpoint still answers within a second.

What needs only the database works as usual (an approval is recorded, its message goes out once the queue is back);
what needs the queue answers 503 with the JSON error body. The Redis here is the test's own, started and then
stopped, never the shared one.
"""

import time

import pytest
from django.core.cache import cache

from interventions.models import Intervention, InterventionStatus
from interventions.services.queue import interventions_send_approved
from sheba_retention.settings.base import redis_cache
from tests.outage import OwnRedis, celery_on
from tests.test_authorization import EXPECTED, client_for, request_for

pytestmark = pytest.mark.django_db

# What needs the task queue, and so answers 503 while it is down (for the roles that may call it at all).
NEEDS_THE_QUEUE = {("POST", "api/admin/retrain")}
# The target is a second; the bound allows for a CI machine busy with other work (before the fix an approval took 19 s
# and a redemption answered 500, so this still tells the two apart).
WITHIN = 2.0
# The OpenAPI document is generated on each request, a second of CPU whether Redis is up or not: not timed here.
GENERATED = {("GET", "api/schema/"), ("GET", "api/docs/")}


@pytest.fixture(scope="module")
def stopped_redis():
    import mlcore.churn  # noqa: F401  (imported cold, the ML libraries take longer than the second measured here)

    redis = OwnRedis()
    redis.stop()
    return redis


@pytest.fixture
def redis_down(stopped_redis, settings):
    settings.CACHES = {"default": redis_cache(stopped_redis.url)}
    with celery_on(stopped_redis.url):
        yield


@pytest.mark.parametrize("role", ["customer", "superuser"])
@pytest.mark.parametrize(("method", "route"), sorted(EXPECTED), ids=[f"{m} {r}" for m, r in sorted(EXPECTED)])
def test_every_endpoint_answers_within_a_second_with_redis_down(
    redis_down, world, method, route, role, django_capture_on_commit_callbacks
):
    # given
    path, body = request_for(method, route, world)
    client = client_for(world["users"][role])
    expected = EXPECTED[(method, route)][role]
    if (method, route) in NEEDS_THE_QUEUE and expected < 400:
        expected = 503

    # when
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):  # what a request queues once it commits
        response = getattr(client, method.lower())(path, body, format="json")
    took = time.monotonic() - started

    # then
    assert response.status_code == expected, response.content[:300]
    assert took < WITHIN or (method, route) in GENERATED
    if response.status_code >= 400 and path.startswith("/api/"):
        assert set(response.json()["error"]) == {"code", "message", "details"}


def test_retraining_with_the_queue_down_says_why_in_the_error_body(redis_down, world):
    response = client_for(world["users"]["model_admin"]).post("/api/admin/retrain", {}, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "broker_unavailable"
    assert "task queue is unreachable" in response.json()["error"]["message"]


def test_an_approval_with_the_queue_down_is_recorded_and_sent_once_it_is_back(
    stopped_redis, settings, world, django_capture_on_commit_callbacks
):
    # given
    intervention = world["intervention"]
    client = client_for(world["users"]["retention"])

    # when: approved while Redis is down
    settings.CACHES = {"default": redis_cache(stopped_redis.url)}
    with celery_on(stopped_redis.url):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True) as queued:
            response = client.post("/api/interventions/approve", {"intervention_id": intervention.pk}, format="json")
        took = time.monotonic() - started
        cache.get("anything")  # a miss, not an error

    # then: recorded at once, its send tried and not queued
    assert response.status_code == 200
    assert len(queued) == 1
    assert took < WITHIN
    assert Intervention.objects.get(pk=intervention.pk).status == InterventionStatus.APPROVED

    # when: the queue is back and the nightly sweep runs
    assert interventions_send_approved() == 1

    # then
    assert Intervention.objects.get(pk=intervention.pk).status == InterventionStatus.SENT

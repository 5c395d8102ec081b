"""Races on PostgreSQL: concurrent creates give one row, concurrent sends one gateway call."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

from customers.models import Channel
from customers.tests.factories import CustomerFactory
from interventions.tests.factories import InterventionFactory
from notifications.backends import sms_gateway
from notifications.models import Notification
from notifications.services import notification_create, notification_send

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 8


def run_together(function: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(WORKERS)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(function())
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def make_intervention():
    # No catalogue service: a transactional test flushes the migrated reference rows, and --reuse-db does not
    # serialize them for serialized_rollback to restore.
    return InterventionFactory(customer=CustomerFactory(preferred_channel=Channel.SMS), service=None)


def test_concurrent_creates_give_one_notification(texts):
    # given
    intervention = make_intervention()

    # when
    results, errors = run_together(
        lambda: notification_create(customer=intervention.customer, intervention=intervention, **texts).pk
    )

    # then
    assert errors == []
    assert len(set(results)) == 1
    assert Notification.objects.filter(intervention=intervention).count() == 1


def test_concurrent_sends_call_the_gateway_once(texts, monkeypatch):
    # given: a slow gateway, so every worker arrives while the first is still sending
    intervention = make_intervention()
    notification = notification_create(customer=intervention.customer, intervention=intervention, **texts)
    calls = []
    real_send = sms_gateway.send_sms

    def slow_send(**kwargs):
        calls.append(kwargs["csms_id"])
        time.sleep(0.2)
        return real_send(**kwargs)

    monkeypatch.setattr(sms_gateway, "send_sms", slow_send)

    # when
    results, errors = run_together(lambda: notification_send(notification_id=notification.pk).status)

    # then
    assert errors == []
    assert results == ["sent"] * WORKERS
    assert len(calls) == 1
    assert len(sms_gateway.outbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.attempt_log.count()) == ("sent", 1, 1)

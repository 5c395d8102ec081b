"""setup_periodic_tasks writes the schedules defined in code to django-celery-beat, idempotently."""

import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

pytestmark = pytest.mark.django_db


def schedule_rows() -> list[tuple]:
    return list(
        PeriodicTask.objects.order_by("name").values_list(
            "name",
            "task",
            "enabled",
            "expire_seconds",
            "crontab__minute",
            "crontab__hour",
            "crontab__day_of_week",
            "crontab__day_of_month",
            "crontab__month_of_year",
        )
    )


def test_setup_creates_the_four_periodic_tasks_in_dhaka_time():
    # when
    call_command("setup_periodic_tasks", stdout=io.StringIO())

    # then
    assert schedule_rows() == [
        ("Monthly re-segmentation", "predictions.resegment", True, 43200, "0", "4", "*", "1", "*"),
        ("Nightly retention run", "interventions.nightly", True, 21600, "0", "2", "*", "*", "*"),
        ("Nightly run watchdog", "interventions.nightly_watchdog", True, 21600, "0", "6", "*", "*", "*"),
        ("Weekly model retraining", "predictions.train_models", True, 43200, "0", "3", "5", "*", "*"),
    ]
    assert {str(crontab.timezone) for crontab in CrontabSchedule.objects.all()} == {"Asia/Dhaka"}


def test_running_setup_twice_changes_nothing():
    # given
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    first = schedule_rows()

    # when
    call_command("setup_periodic_tasks", stdout=io.StringIO())

    # then
    assert schedule_rows() == first
    assert PeriodicTask.objects.count() == 4
    assert CrontabSchedule.objects.count() == 4


def test_setup_disables_a_task_no_longer_defined_in_code():
    # given
    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="Old hourly export", task="predictions.old_export", interval=every_minute)
    out = io.StringIO()

    # when
    call_command("setup_periodic_tasks", stdout=out)

    # then
    assert PeriodicTask.objects.get(name="Old hourly export").enabled is False
    assert PeriodicTask.objects.filter(enabled=True).count() == 4
    assert "Disabling 1 periodic task(s) no longer defined in code." in out.getvalue()


def test_the_scheduled_task_names_are_registered_celery_tasks():
    # given: what a worker imports at start-up
    from sheba_retention.celery import app

    app.loader.import_default_modules()

    # when
    call_command("setup_periodic_tasks", stdout=io.StringIO())

    # then
    assert set(PeriodicTask.objects.values_list("task", flat=True)) <= set(app.tasks)

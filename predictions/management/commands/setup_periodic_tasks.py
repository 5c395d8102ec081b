"""python manage.py setup_periodic_tasks — write sheba_retention.schedules to django-celery-beat (run at release)."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from sheba_retention.schedules import SCHEDULES

TIMEZONE = "Asia/Dhaka"


class Command(BaseCommand):
    help = "Create or update the periodic tasks (nightly scoring, weekly retraining, monthly re-segmentation)."

    @transaction.atomic
    def handle(self, *args, **options):
        for schedule in SCHEDULES:
            fields = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}
            crontab, _ = CrontabSchedule.objects.get_or_create(**{**fields, **schedule.crontab}, timezone=TIMEZONE)
            PeriodicTask.objects.update_or_create(
                name=schedule.name,
                defaults={
                    "task": schedule.task,
                    "crontab": crontab,
                    "interval": None,
                    "enabled": True,
                    "expire_seconds": schedule.expires_seconds,
                },
            )
            self.stdout.write(f"{schedule.name}: {schedule.task} at {schedule.crontab}")
        stale = PeriodicTask.objects.exclude(name__in=[s.name for s in SCHEDULES]).exclude(name__startswith="celery.")
        if stale.exists():
            self.stdout.write(f"Disabling {stale.count()} periodic task(s) no longer defined in code.")
            stale.update(enabled=False)

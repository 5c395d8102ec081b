"""The periodic jobs, defined in code; `manage.py setup_periodic_tasks` writes them to django-celery-beat."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    crontab: dict[str, str]  # minute, hour, day_of_week, day_of_month, month_of_year (Asia/Dhaka)
    expires_seconds: int  # a run that could not start within this long is dropped, not piled up


SCHEDULES = [
    # Score → propose → send approved → expire → outcomes (interventions.services.nightly.nightly_run).
    Schedule("Nightly retention run", "interventions.nightly", {"minute": "0", "hour": "2"}, 6 * 3600),
    # The watchdog: a night not complete by now is logged as an error, recorded and resumed (nightly_watch).
    Schedule("Nightly run watchdog", "interventions.nightly_watchdog", {"minute": "0", "hour": "6"}, 6 * 3600),
    Schedule(
        "Weekly model retraining",
        "predictions.train_models",
        {"minute": "0", "hour": "3", "day_of_week": "5"},
        12 * 3600,
    ),
    Schedule(
        "Monthly re-segmentation",
        "predictions.resegment",
        {"minute": "0", "hour": "4", "day_of_month": "1"},
        12 * 3600,
    ),
]

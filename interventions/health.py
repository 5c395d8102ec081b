"""`GET /healthz`, for load balancers and operators: the database, the cache, the task queue, the active models and
the last nightly run. 200 when every part is fine, 503 naming the failing parts; each answer within about a second
(the cache and broker timeouts in settings).

Open to anyone, like every load balancer's probe: it says which part fails, never a row of data."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from interventions.models import NightlyRunRecord, NightlyState
from predictions.services.registry import ActiveModelUnloadable, NoActiveModel, active_artifacts_check
from predictions.services.scoring import SCORING_KINDS

NIGHTLY_STALE = dt.timedelta(hours=36)  # a night a day, plus the hours until the watchdog's deadline


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"vendor": connection.vendor}


def _cache() -> dict[str, Any]:
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):  # django-redis: ask Redis itself, not the forgiving cache
        client.get_client(write=True).ping()
        return {"backend": "redis"}
    cache.set("healthz", "ok", 5)
    if cache.get("healthz") != "ok":
        raise RuntimeError("a value written to the cache did not read back")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _broker() -> dict[str, Any]:
    from celery import current_app as app

    if app.conf.task_always_eager:
        return {"mode": "eager (tasks run in the web process; no broker)"}
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1)
    return {"mode": "broker"}


def _models() -> dict[str, Any]:
    try:
        return {"active": active_artifacts_check(SCORING_KINDS)}
    except NoActiveModel as exc:
        raise RuntimeError(f"no active {exc.kind} model: run `manage.py train_models`") from exc
    except ActiveModelUnloadable as exc:
        raise RuntimeError(str(exc)) from exc


def _nightly() -> dict[str, Any]:
    record = NightlyRunRecord.objects.order_by("-started_at").first()
    if record is None:
        raise RuntimeError("no nightly run has been recorded: run `manage.py run_nightly`")
    age = timezone.now() - record.started_at
    figures = {
        "as_of": record.as_of.isoformat(),
        "state": record.state,
        "age_hours": round(age / dt.timedelta(hours=1), 1),
    }
    if record.state == NightlyState.FAILED:
        raise RuntimeError(f"the nightly run as of {record.as_of} failed: {record.error[:200]}")
    if age > NIGHTLY_STALE:
        raise RuntimeError(f"the last nightly run started {figures['age_hours']} hours ago")
    return figures


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "models": _models,
    "nightly": _nightly,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = {"ok": True, **check()}
        except Exception as exc:  # any failure of a part is that part's answer, never a 500
            checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    failing = [name for name, result in checks.items() if not result["ok"]]
    return JsonResponse(
        {"status": "failing" if failing else "ok", "failing": failing, "checks": checks},
        status=503 if failing else 200,
    )

"""Benchmark: latency of POST /api/predict/churn in process (Django test client), beside the bare model call.

Run bench_ml.py first: it leaves trained models and 100k customers in the benchmark database.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from bench_data import DEFAULT_URL, log, percentile, setup_django

TARGET_P95_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    os.environ.setdefault("MODEL_ARTIFACTS_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench-models"))
    setup_django(os.environ.get("DATABASE_URL", DEFAULT_URL))
    from django.contrib.auth import get_user_model
    from django.test import Client

    from customers.models import Customer
    from predictions.services.registry import active_model

    user, _ = get_user_model().objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    ids = list(Customer.objects.filter(bookings__isnull=False).values_list("external_id", flat=True).distinct()[:20000])
    if not ids:
        sys.exit("no customers with bookings: run bench_ml.py first")
    rng = np.random.default_rng(args.seed)
    sample = rng.choice(ids, size=args.requests)

    log("warming up (loads the model once per process)")
    for external_id in sample[:20]:
        client.post("/api/predict/churn", {"customer_id": external_id}, content_type="application/json")

    log(f"{args.requests} requests")
    latencies = []
    for external_id in sample:
        started = time.perf_counter()
        response = client.post("/api/predict/churn", {"customer_id": external_id}, content_type="application/json")
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{external_id}: HTTP {response.status_code} {response.content[:200]!r}")

    _, model = active_model("churn")
    row = np.zeros((1, len(model.input_names)), dtype=np.float32)
    bare = []
    for _ in range(args.requests):
        started = time.perf_counter()
        model.calibrator.apply(model.raw_scores(row))
        bare.append((time.perf_counter() - started) * 1000)

    print()
    print(f"{'':<34}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, values in (("POST /api/predict/churn", latencies), ("bare inplace_predict, one row", bare)):
        print(
            f"{name:<34}{percentile(values, 50):>10.2f}{percentile(values, 95):>10.2f}"
            f"{percentile(values, 99):>10.2f}{statistics.fmean(values):>10.2f}"
        )
    p95 = percentile(latencies, 95)
    print(
        f"\ntarget p95 < {TARGET_P95_MS:.0f} ms in process: {p95:.1f} ms  {'PASS' if p95 < TARGET_P95_MS else 'FAIL'}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

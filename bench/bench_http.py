"""Benchmark: POST /api/predict/churn over HTTP under 50 concurrent users, through gunicorn as the Procfile runs it.

Run bench_ml.py first: it leaves trained models and 100k customers in the benchmark database.

Each virtual user is a staff account with its own API token and keep-alive connection (where the server keeps it);
it asks for one random customer's score, waits for the answer, then "thinks" for an exponentially distributed
pause (mean --think seconds) before the next request: a closed workload, like people and apps using the API. With
--think 0 every user fires back to back, which measures the server's saturation throughput instead (latency is then
mostly queueing: users ÷ throughput). The load generator runs on the same 2 cores as the server, so it takes a share
of them; the figures are conservative for a server with the machine to itself.

Baselines beside the figures: the bare one-row model call (on a row of zeros: the model's cost does not depend on
the values), and the same endpoint in process (no HTTP, one request at a time) on the same customers. A closed
workload under-samples the slow moments (users wait instead of piling up), so the same rate is also offered as an
open workload (Poisson arrivals, latency from each request's scheduled time); the verdict takes the worse of the two.
The no-think scenario shows the capacity behind it.

The server runs the production settings (secrets generated for the run, no HTTPS redirect on localhost) with the
Procfile's access log (to a temporary file); set REDIS_URL for the production cache (throttling) on Redis.
"""

import argparse
import http.client
import json
import os
import queue
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from bench_data import DEFAULT_URL, ROOT, log, percentile, setup_django

TARGET_P95_MS = 50.0
PATH = "/api/predict/churn"


def bench_users(count: int) -> list[str]:
    """Tokens of `count` staff accounts (created once): one per virtual user, so per-user throttling sees real users."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    tokens = []
    for n in range(count):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-http-{n:02d}", defaults={"is_staff": True})
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return tokens


def start_server(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "sheba_retention.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--log-level",
        "warning",
        "--access-logfile",
        str(Path(tempfile.gettempdir()) / "bench_http_access.log"),
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def post(connection: http.client.HTTPConnection, token: str, customer_id: str) -> int:
    body = json.dumps({"customer_id": customer_id})
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Host": "127.0.0.1"}
    connection.request("POST", PATH, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def wait_until_ready(port: int, token: str, customer_id: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            if post(connection, token, customer_id) == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"gunicorn did not answer on port {port} within {timeout:.0f} s")


Result = tuple[list[float], dict[int, int], float]  # latencies (ms) of the 200s, count per HTTP status, wall time


def attempt(connection: http.client.HTTPConnection, token: str, customer_id: str) -> int:
    """The HTTP status, or 0 when the connection was refused, reset or timed out (the connection is then reset)."""
    try:
        return post(connection, token, customer_id)
    except (OSError, http.client.HTTPException):
        connection.close()
        return 0


def run_clients(clients, results: queue.SimpleQueue) -> Result:
    """Run one thread per client callable until all return; gather (status, latency) pairs from `results`."""
    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    while not results.empty():
        status, latency = results.get()
        statuses[status] = statuses.get(status, 0) + 1
        if status == 200:
            latencies.append(latency)
    return latencies, statuses, wall


def errors_in(statuses: dict[int, int]) -> int:
    return sum(count for status, count in statuses.items() if status != 200)


def run_load(*, port: int, tokens: list[str], ids: list[str], seconds: float, think: float, seed: int) -> Result:
    """Closed workload: each user waits for its answer, then thinks (exponential, mean `think`)."""
    results: queue.SimpleQueue = queue.SimpleQueue()
    stop = time.monotonic() + seconds

    def user(index: int) -> None:
        rng = np.random.default_rng(seed + index)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(rng.uniform(0, max(think, 0.05)))  # users arrive spread out, not in one burst
        while time.monotonic() < stop:
            customer_id = ids[int(rng.integers(len(ids)))]
            started = time.perf_counter()
            status = attempt(connection, tokens[index], customer_id)
            results.put((status, (time.perf_counter() - started) * 1000))
            if think:
                time.sleep(rng.exponential(think))
        connection.close()

    return run_clients([lambda index=index: user(index) for index in range(len(tokens))], results)


def run_open(*, port: int, tokens: list[str], ids: list[str], seconds: float, rate: float, seed: int) -> Result:
    """Open workload: requests arrive as a Poisson process at `rate` per second whatever the server does, served by
    one client thread per token; each latency counts from the request's scheduled arrival, so time spent waiting
    for a free connection while the server is slow is included (no coordinated omission)."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / rate, size=int(rate * seconds * 1.5) + 10))
    work: queue.SimpleQueue = queue.SimpleQueue()
    for arrival in arrivals[arrivals < seconds]:
        work.put((float(arrival), ids[int(rng.integers(len(ids)))]))
    results: queue.SimpleQueue = queue.SimpleQueue()
    start = time.perf_counter()

    def client(token: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            try:
                arrival, customer_id = work.get_nowait()
            except queue.Empty:
                break
            wait = start + arrival - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            status = attempt(connection, token, customer_id)
            results.put((status, (time.perf_counter() - start - arrival) * 1000))
        connection.close()

    return run_clients([lambda token=token: client(token) for token in tokens], results)


def baselines(ids: list[str], requests: int) -> tuple[list[float], list[float]]:
    """The same endpoint in process, one request at a time, and the bare one-row model call."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from predictions.services.registry import active_model

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="bench-http-00"))
    in_process = []
    for customer_id in ids[:requests]:
        started = time.perf_counter()
        client.post(PATH, {"customer_id": customer_id}, content_type="application/json")
        in_process.append((time.perf_counter() - started) * 1000)
    _, model = active_model("churn")
    row = np.zeros((1, len(model.input_names)), dtype=np.float32)
    bare = []
    for _ in range(requests):
        started = time.perf_counter()
        model.calibrator.apply(model.raw_scores(row))
        bare.append((time.perf_counter() - started) * 1000)
    return in_process[20:], bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="per scenario")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's requests (s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the Procfile's default is 2)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    models = str(ROOT / "var" / "bench-models")
    os.environ.setdefault("MODEL_ARTIFACTS_DIR", models)
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    setup_django(url)
    from customers.models import Customer

    ids = list(Customer.objects.filter(bookings__isnull=False).values_list("external_id", flat=True).distinct()[:20000])
    if not ids:
        sys.exit("no customers with bookings: run bench_ml.py first")
    tokens = bench_users(args.users)

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "sheba_retention.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        **{f"PAYMENTS_{gateway}_CALLBACK_SECRET": secrets.token_urlsafe(32) for gateway in ("BKASH", "NAGAD", "BANK")},
        "MODEL_ARTIFACTS_DIR": os.environ["MODEL_ARTIFACTS_DIR"],
    }
    log(f"gunicorn with {args.workers} sync workers on 127.0.0.1:{args.port}")
    server = start_server(args.port, args.workers, env)
    try:
        wait_until_ready(args.port, tokens[0], ids[0])
        log("warming up every worker (each loads the model once)")
        run_load(port=args.port, tokens=tokens[:8], ids=ids, seconds=5, think=0, seed=args.seed)
        rate = args.users / args.think if args.think else float(args.users)
        common = {"port": args.port, "tokens": tokens, "ids": ids, "seconds": args.seconds, "seed": args.seed}
        scenarios = [
            (f"{args.users} users, think {args.think:g} s", lambda: run_load(**common, think=args.think)),
            (f"open: Poisson {rate:g} req/s", lambda: run_open(**common, rate=rate)),
            (f"{args.users} users, no think", lambda: run_load(**common, think=0.0)),
        ]
        rows = []
        for name, scenario in scenarios:
            log(f"{name}: {args.seconds:.0f} s")
            rows.append((name, *scenario()))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    log("baselines: the endpoint in process, and the bare model call")
    in_process, bare = baselines(ids, 520)

    print()
    print(f"{'':<32}{'requests':>10}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, latencies, statuses, wall in rows:
        errors = errors_in(statuses)
        print(
            f"{name:<32}{len(latencies):>10}{len(latencies) / wall:>8.1f}{percentile(latencies, 50):>9.1f}"
            f"{percentile(latencies, 95):>9.1f}{percentile(latencies, 99):>9.1f}{errors:>8}"
        )
        if errors:
            print(f"{'':<32}statuses: {dict(sorted(statuses.items()))}")
    for name, values in (("in process, one at a time", in_process), ("bare inplace_predict, one row", bare)):
        print(
            f"{name:<32}{len(values):>10}{'':>8}{percentile(values, 50):>9.2f}{percentile(values, 95):>9.2f}"
            f"{percentile(values, 99):>9.2f}{'':>8}  (mean {statistics.fmean(values):.2f})"
        )
    _, latencies, statuses, _ = rows[0]
    errors = errors_in(statuses) + errors_in(rows[1][2])
    p95 = percentile(latencies, 95)
    open_p95 = percentile(rows[1][1], 95)
    verdict = "PASS" if max(p95, open_p95) < TARGET_P95_MS and not errors else "FAIL"
    print(
        f"\ntarget p95 < {TARGET_P95_MS:.0f} ms and no errors under {args.users} concurrent users: {p95:.1f} ms "
        f"(open arrivals {open_p95:.1f} ms), {errors} errors  {verdict}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

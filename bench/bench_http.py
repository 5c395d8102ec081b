"""Benchmark: the API over HTTP under 50 concurrent users, through gunicorn as the Procfile runs it. First
POST /api/predict/churn alone, then a mixed load of the endpoints staff and the apps call most.

Run bench_ml.py first: it leaves trained models and 100k customers in the benchmark database. The mixed load also
needs a queue and offers: when the database has no proposal, the engine proposes for the latest scoring day, and the
first OFFERS proposals of the queue are approved and sent (codes issued), as the nightly run and staff would.

Each virtual user is a staff account with its own API token and keep-alive connection (where the server keeps it);
it sends one request, waits for the answer, then "thinks" for an exponentially distributed pause (mean --think
seconds) before the next: a closed workload, like people and apps using the API. With --think 0 every user fires
back to back, which measures the server's saturation throughput instead (latency is then mostly queueing: users ÷
throughput). The load generator runs on the same 2 cores as the server, so it takes a share of them; the figures are
conservative for a server with the machine to itself.

The mixed load draws each request from MIX by weight: the prediction, a customer's profile, the customer list (a
page) and its search (by phone digits, name or id, as staff look someone up), a customer's offers, the approval
queue and the dashboard. Every user is staff: the profile and the offers are customer-facing too, and staff see the
most of them (the profile adds the prediction and the segment), so staff is the heavier call of the two.

Baselines beside the figures, one request at a time in process (no HTTP) on the same kind of requests: the endpoint
through Django's test client, with the queries it runs per request, and those same SELECTs run bare on a cursor
(the database's share); for the prediction also the bare one-row model call (on a row of zeros: the model's cost
does not depend on the values). A closed workload under-samples the slow moments (users wait instead of piling up),
so the same rate is also offered as an open workload (Poisson arrivals, latency from each request's scheduled time);
the verdict takes the worse of the two. The no-think scenario shows the capacity behind it.

The server runs the production settings (secrets generated for the run, no HTTPS redirect on localhost) with the
Procfile's access log (to a temporary file); set REDIS_URL for the production cache (throttling) on Redis. The API
throttles each user (API_THROTTLE_USER_RATE, 1200/min by default); the busiest user's rate is printed beside it.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from bench_data import DEFAULT_URL, ROOT, log, percentile, setup_django

OFFERS = 500  # proposals approved and sent, so that the offers endpoint has codes to show
PREDICT = "POST /api/predict/churn"
CLIENT_TIMEOUT = 30.0  # s: a client gives up on an answer (or, in the open workload, a request it could not send)
LOGS = Path(tempfile.gettempdir())
TABLES_READ = [
    "customers_customer",
    "customers_booking",
    "customers_customersegment",
    "loyalty_customerloyalty",
    "predictions_prediction",
    "interventions_intervention",
    "payments_discountcode",
]


@dataclass(frozen=True)
class Call:
    endpoint: str  # the row it is counted in
    method: str
    path: str
    body: dict | None = None


@dataclass(frozen=True)
class Sample:
    """What the requests are drawn from."""

    ids: list[str]  # customers with bookings
    offered: list[str]  # customers with a redeemable code
    searches: list[str]  # what staff type in the customer search
    pending_pages: int


@dataclass(frozen=True)
class Endpoint:
    name: str  # its row in the tables
    weight: float  # its share of the mixed load
    target_ms: float  # p95
    path: Callable[[Sample, np.random.Generator], str]
    body: Callable[[Sample, np.random.Generator], dict] | None = None  # a POST when given, else a GET

    def call(self, sample: Sample, rng: np.random.Generator) -> Call:
        body = self.body(sample, rng) if self.body else None
        return Call(self.name, "GET" if body is None else "POST", self.path(sample, rng), body)


def _one(values: list[str], rng: np.random.Generator) -> str:
    return values[int(rng.integers(len(values)))]


MIX = [
    Endpoint(PREDICT, 4, 50.0, lambda s, rng: "/api/predict/churn", lambda s, rng: {"customer_id": _one(s.ids, rng)}),
    Endpoint("GET /api/customers/{id}", 2, 100.0, lambda s, rng: f"/api/customers/{_one(s.ids, rng)}"),
    Endpoint("GET /api/customers?page=", 1, 100.0, lambda s, rng: f"/api/customers?page={rng.integers(1, 21)}"),
    Endpoint(
        "GET /api/customers?search=",
        1,
        100.0,
        lambda s, rng: "/api/customers?" + urlencode({"search": _one(s.searches, rng)}),
    ),
    Endpoint(
        "GET /api/customers/{id}/offers", 2, 100.0, lambda s, rng: f"/api/customers/{_one(s.offered, rng)}/offers"
    ),
    Endpoint(
        "GET /api/interventions/pending",
        1,
        100.0,
        lambda s, rng: f"/api/interventions/pending?page={rng.integers(1, s.pending_pages + 1)}",
    ),
    Endpoint("GET /api/predictions/dashboard", 1, 100.0, lambda s, rng: "/api/predictions/dashboard"),
]


class Picker:
    """Draws calls from a mix of endpoints by weight."""

    def __init__(self, mix: list[Endpoint], sample: Sample) -> None:
        self.mix, self.sample = mix, sample
        weights = np.array([endpoint.weight for endpoint in mix], dtype=float)
        self.p = weights / weights.sum()

    def __call__(self, rng: np.random.Generator) -> Call:
        return self.mix[int(rng.choice(len(self.mix), p=self.p))].call(self.sample, rng)


def bench_users(count: int) -> list[str]:
    """Tokens of `count` staff accounts (created once): one per virtual user, so per-user throttling sees real users."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    tokens = []
    for n in range(count):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-http-{n:02d}", defaults={"is_staff": True})
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return tokens


def mixed_sample(ids: list[str], seed: int) -> Sample:
    """The queue and the offers the mixed load reads (made once, as the nightly run and staff would), and what
    the requests are drawn from."""
    from django.contrib.auth import get_user_model
    from django.test import override_settings
    from django.utils import timezone

    from customers.models import Customer
    from interventions.models import Intervention, InterventionStatus
    from interventions.selectors import intervention_pending_list
    from interventions.services.proposals import interventions_propose
    from interventions.services.queue import intervention_approve, intervention_send
    from payments.models import DiscountCode
    from sheba_retention.common.api.pagination import PagePagination

    if not Intervention.objects.filter(status=InterventionStatus.PROPOSED).exists():
        log("proposing for the latest scoring day (the approval queue)")
        run = interventions_propose()
        log(f"  {run.proposed:,} proposed, {run.control:,} in the control group")
    staff = get_user_model().objects.get(username="bench-http-00")
    redeemable = DiscountCode.objects.filter(is_active=True, expires_at__gt=timezone.now())
    missing = OFFERS - redeemable.count()
    if missing > 0:
        log(f"approving and sending {missing} proposals (codes for the offers endpoint)")
        top = intervention_pending_list().filter(discount_amount__gt=0).values_list("pk", flat=True)[:missing]
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):  # not to the console
            for pk in list(top):
                intervention_approve(intervention_id=pk, user=staff)
                intervention_send(intervention_id=pk)  # at once, whether or not a worker picks the task up
    offered = list(redeemable.values_list("customer__external_id", flat=True).distinct())
    rng = np.random.default_rng(seed)
    picked = Customer.objects.filter(external_id__in=[ids[i] for i in rng.choice(len(ids), size=300, replace=False)])
    searches: list[str] = []
    for customer in picked:  # as staff look someone up: the phone's last digits, the name, or the id
        searches.extend(value for value in (customer.phone[-6:], customer.name, customer.external_id) if value)
    pending = intervention_pending_list().count()
    return Sample(ids, offered, searches, max(1, min(20, -(-pending // PagePagination.page_size))))


def vacuum_analyze() -> str:
    """VACUUM (ANALYZE) what the endpoints read, as autovacuum would have after bench_ml.py's scoring reruns (each
    replaces a day of predictions); returns the server's autovacuum setting, which some test machines switch off."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        for table in TABLES_READ:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return autovacuum


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
        str(LOGS / "bench_http_access.log"),
    ]
    # The app's own request log lines (one per request) go to a file too, not between the figures.
    with open(LOGS / "bench_http_server.log", "w") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True)


def send(connection: http.client.HTTPConnection, token: str, call: Call) -> int:
    headers = {"Authorization": f"Token {token}", "Host": "127.0.0.1"}
    body = None
    if call.body is not None:
        body = json.dumps(call.body)
        headers["Content-Type"] = "application/json"
    connection.request(call.method, call.path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def wait_until_ready(port: int, token: str, call: Call, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            if send(connection, token, call) == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"gunicorn did not answer on port {port} within {timeout:.0f} s")


def ok(status: int) -> bool:
    return 200 <= status < 300


@dataclass
class Figures:
    """One endpoint's answers in one scenario."""

    latencies: list[float] = field(default_factory=list)  # ms, of the 2xx answers
    statuses: dict[int, int] = field(default_factory=dict)  # count per HTTP status; 0: refused, reset or timed out

    @property
    def count(self) -> int:
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if not ok(status))


@dataclass
class Result:
    endpoints: dict[str, Figures]
    wall: float
    busiest_user: int  # requests of the user who sent the most


def attempt(connection: http.client.HTTPConnection, token: str, call: Call) -> int:
    """The HTTP status, or 0 when the connection was refused, reset or timed out (the connection is then reset)."""
    try:
        return send(connection, token, call)
    except (OSError, http.client.HTTPException):
        connection.close()
        return 0


def run_clients(clients, results: queue.SimpleQueue) -> Result:
    """Run one thread per client callable until all return; gather (user, endpoint, status, latency) from `results`."""
    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    endpoints: dict[str, Figures] = {}
    per_user: dict[int, int] = {}
    while not results.empty():
        user, endpoint, status, latency = results.get()
        figures = endpoints.setdefault(endpoint, Figures())
        figures.statuses[status] = figures.statuses.get(status, 0) + 1
        if ok(status):
            figures.latencies.append(latency)
        per_user[user] = per_user.get(user, 0) + 1
    return Result(endpoints, wall, max(per_user.values(), default=0))


def run_load(*, port: int, tokens: list[str], pick: Picker, seconds: float, think: float, seed: int) -> Result:
    """Closed workload: each user waits for its answer, then thinks (exponential, mean `think`)."""
    results: queue.SimpleQueue = queue.SimpleQueue()
    stop = time.monotonic() + seconds

    def user(index: int) -> None:
        rng = np.random.default_rng(seed + index)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        time.sleep(rng.uniform(0, max(think, 0.05)))  # users arrive spread out, not in one burst
        while time.monotonic() < stop:
            call = pick(rng)
            started = time.perf_counter()
            status = attempt(connection, tokens[index], call)
            results.put((index, call.endpoint, status, (time.perf_counter() - started) * 1000))
            if think:
                time.sleep(rng.exponential(think))
        connection.close()

    return run_clients([lambda index=index: user(index) for index in range(len(tokens))], results)


def run_open(*, port: int, tokens: list[str], pick: Picker, seconds: float, rate: float, seed: int) -> Result:
    """Open workload: requests arrive as a Poisson process at `rate` per second whatever the server does, served by
    one client thread per token; each latency counts from the request's scheduled arrival, so time spent waiting
    for a free connection while the server is slow is included (no coordinated omission). A request still unsent
    CLIENT_TIMEOUT after its arrival is an error (status 0), as its client would have given up."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / rate, size=int(rate * seconds * 1.5) + 10))
    work: queue.SimpleQueue = queue.SimpleQueue()
    for arrival in arrivals[arrivals < seconds]:
        work.put((float(arrival), pick(rng)))
    results: queue.SimpleQueue = queue.SimpleQueue()
    start = time.perf_counter()

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        while True:
            try:
                arrival, call = work.get_nowait()
            except queue.Empty:
                break
            wait = start + arrival - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            # Behind by more than the timeout: the client has given up (an error), which also bounds the run.
            status = attempt(connection, tokens[index], call) if wait > -CLIENT_TIMEOUT else 0
            results.put((index, call.endpoint, status, (time.perf_counter() - start - arrival) * 1000))
        connection.close()

    return run_clients([lambda index=index: client(index) for index in range(len(tokens))], results)


@dataclass
class Baseline:
    in_process: list[float]  # ms per request through the test client
    bare_sql: list[float]  # ms per request: the same SELECTs on a cursor
    queries: list[int]  # per request
    errors: int


def baselines(mix: list[Endpoint], sample: Sample, requests: int, seed: int) -> dict[str, Baseline]:
    """Each endpoint in process, one request at a time, with its queries counted and run again bare. Each endpoint
    has its own staff user, so the per-user throttle never counts another endpoint's requests."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rng = np.random.default_rng(seed)
    found = {}
    for n, endpoint in enumerate(mix):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=f"bench-http-{n:02d}"))
        figures = Baseline([], [], [], 0)
        for _ in range(requests):
            call = endpoint.call(sample, rng)
            path = call.path
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                if call.method == "POST":
                    response = client.post(path, call.body, content_type="application/json")
                else:
                    response = client.get(path)
                figures.in_process.append((time.perf_counter() - started) * 1000)
            figures.errors += not ok(response.status_code)
            figures.queries.append(len(captured.captured_queries))
            selects = [query["sql"] for query in captured.captured_queries if query["sql"].startswith("SELECT")]
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in selects:
                    cursor.execute(sql)
                    cursor.fetchall()
            figures.bare_sql.append((time.perf_counter() - started) * 1000)
        skip = min(20, requests // 10)  # the first requests warm the caches
        found[endpoint.name] = Baseline(
            figures.in_process[skip:], figures.bare_sql[skip:], figures.queries, figures.errors
        )
    return found


def bare_model_call(requests: int) -> list[float]:
    from predictions.services.registry import active_model

    _, model = active_model("churn")
    row = np.zeros((1, len(model.input_names)), dtype=np.float32)
    bare = []
    for _ in range(requests):
        started = time.perf_counter()
        model.calibrator.apply(model.raw_scores(row))
        bare.append((time.perf_counter() - started) * 1000)
    return bare


def row(name: str, values: list[float], count: str, rate: str, errors: str, digits: int = 1) -> str:
    p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
    return f"{name:<36}{count:>9}{rate:>8}{p50:>9.{digits}f}{p95:>9.{digits}f}{p99:>9.{digits}f}{errors:>8}"


def report(
    title: str,
    scenarios: list[tuple[str, Result]],
    mix: list[Endpoint],
    found: dict[str, Baseline],
    *,
    throttle: str,
    bare_model: list[float],
) -> None:
    print(f"\n{title}")
    print(f"{'':<36}{'count':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, result in scenarios:
        total = sum(figures.count for figures in result.endpoints.values())
        busiest = result.busiest_user / result.wall * 60
        print(f"{name} ({total / result.wall:.1f} req/s; busiest user {busiest:.0f}/min, throttle {throttle})")
        for endpoint in mix:
            figures = result.endpoints.get(endpoint.name, Figures())
            print(
                row(
                    f"  {endpoint.name}",
                    figures.latencies,
                    f"{figures.count}",
                    f"{figures.count / result.wall:.1f}",
                    f"{figures.errors}",
                )
            )
            if figures.errors:
                print(f"{'':<36}statuses: {dict(sorted(figures.statuses.items()))}")
    print("in process, one at a time (queries per request: mean, max) / the same SELECTs bare")
    for endpoint in mix:
        baseline = found[endpoint.name]
        queries = f"{statistics.fmean(baseline.queries):.1f}, {max(baseline.queries)}"
        print(
            row(f"  {endpoint.name}", baseline.in_process, f"{len(baseline.in_process)}", "", f"{baseline.errors}", 2)
            + f"  queries {queries}"
        )
        print(row("    bare SELECTs", baseline.bare_sql, f"{len(baseline.bare_sql)}", "", "", 2))
        if endpoint.name == PREDICT:
            print(row("    bare inplace_predict, one row", bare_model, f"{len(bare_model)}", "", "", 2))
    # The closed workload with think time and the open one at the same rate: the first two scenarios.
    print()
    for endpoint in mix:
        closed, offered = (result.endpoints.get(endpoint.name, Figures()) for _, result in scenarios[:2])
        p95, open_p95 = percentile(closed.latencies, 95), percentile(offered.latencies, 95)
        errors = closed.errors + offered.errors
        verdict = "PASS" if max(p95, open_p95) < endpoint.target_ms and not errors else "FAIL"
        print(
            f"target {endpoint.name}: p95 < {endpoint.target_ms:.0f} ms and no errors: {p95:.1f} ms "
            f"(open arrivals {open_p95:.1f} ms), {errors} errors  {verdict}"
        )


def run_scenarios(common: dict, *, users: int, think: float, seconds: float) -> list[tuple[str, Result]]:
    """The closed workload with think time, the open one at the same rate, then the users with no pause."""
    rate = users / think if think else float(users)
    scenarios = [
        (f"{users} users, think {think:g} s", lambda: run_load(**common, seconds=seconds, think=think)),
        (f"open: Poisson {rate:g} req/s", lambda: run_open(**common, seconds=seconds, rate=rate)),
        (f"{users} users, no think", lambda: run_load(**common, seconds=seconds, think=0.0)),
    ]
    rows = []
    for name, scenario in scenarios:
        log(f"{name}: {seconds:.0f} s")
        rows.append((name, scenario()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="per scenario")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's requests (s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the Procfile's default is 2)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load", choices=["predict", "mixed", "both"], default="both", help="which loads to run")
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
    loads = []
    if args.load in ("predict", "both"):
        loads.append((f"{PREDICT} alone", MIX[:1], Sample(ids, [], [], 1)))
    if args.load in ("mixed", "both"):
        loads.append(
            ("mixed load: " + ", ".join(f"{e.weight:g} {e.name}" for e in MIX), MIX, mixed_sample(ids, args.seed))
        )

    log("VACUUM (ANALYZE) of the tables the endpoints read")
    autovacuum = vacuum_analyze()
    throttle = os.environ.get("API_THROTTLE_USER_RATE", "1200/min")
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
    cache = f"Redis at {os.environ['REDIS_URL']}" if os.environ.get("REDIS_URL") else "local memory (per worker)"
    log(f"load average (1, 5, 15 min): {', '.join(f'{value:.2f}' for value in os.getloadavg())}")
    log(f"gunicorn with {args.workers} sync workers on 127.0.0.1:{args.port}; cache {cache}; throttle {throttle}")
    server = start_server(args.port, args.workers, env)
    measured = []
    try:
        wait_until_ready(args.port, tokens[0], MIX[0].call(loads[0][2], np.random.default_rng(0)))
        for title, mix, sample in loads:
            log(f"{title}: warming up every worker (each loads the model once)")
            common = {"port": args.port, "tokens": tokens, "pick": Picker(mix, sample), "seed": args.seed}
            run_load(**common, seconds=5, think=0)
            rows = run_scenarios(common, users=args.users, think=args.think, seconds=args.seconds)
            measured.append((title, mix, sample, rows))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    log("baselines: each endpoint in process, its queries bare, and the bare model call")
    bare = bare_model_call(520)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nload average after the run (1, 5, 15 min): {load} on {os.cpu_count()} cores; autovacuum {autovacuum}")
    for title, mix, sample, rows in measured:
        found = baselines(mix, sample, 520 if len(mix) == 1 else 120, args.seed)
        report(title, rows, mix, found, throttle=throttle, bare_model=bare[20:])


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

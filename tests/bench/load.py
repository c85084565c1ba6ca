"""`make bench`: the application under load as in production, in a database of its own.

Builds a database (never `make run`'s nor the tests'): migrations, a moderate `seed_scale` set,
the demo on top; opens the till of the demo counsellor's site and stocks it. Starts gunicorn with
gunicorn.conf.py and DEBUG off on the loopback, the bench's middleware adding each response's
query count and server time (connexions/benchmark.py). Then, at 1, 5 and 20 simultaneous users:
`/health/` (the baseline, measured in the same run), the signed-in floor (the idle-logout
dialog's keep-alive: session, user, memberships, session renewed), the till flow of a
counsellor (scan a member card, add a top-up, confirm with cash, back to the till, the receipt
PDF) and the dashboard and list pages, each for a bounded time and number of requests. Prints a
table (p50, p95, server time, queries, throughput against `/health/`'s, the target of
docs/architecture.md, met or not), stops gunicorn and keeps the database for a look. It never
fails on timings.

    python -m tests.bench.load [--database connexions_bench] [--people 10000]
        [--sale-lines 100000] [--users 1,5,20] [--seconds 20] [--page-seconds 5] [--reuse]
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from tests.bench import targets
from tests.bench.client import FlowError, Recorder, Visitor, run_phase
from tests.bench.database import build, database_url, exists, manage, production_env

COUNSELLOR = "conseiller@demo.connexions.fr"
MANAGER = "responsable@demo.connexions.fr"
TOPUP = "Recharge mobile SFR 15 €"
HEALTH = "/health/ (baseline)"
# The idle-logout dialog's keep-alive (a plain GET, as the dialog sends it) reads the session, the
# user and their memberships through the middleware chain and writes the session: what each till
# step (scan, add, confirm) does besides its own work (docs/architecture.md, "Benchmark").
FLOOR = targets.FLOOR
# /health/ and the floor run for their time, not for a number of requests: a rate of hundreds a
# second needs thousands of requests to be read.
BASELINE_STEPS = 20_000
KEEP_ALIVE = "/session/maintenir/"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="connexions_bench")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--sale-lines", type=int, default=100_000)
    parser.add_argument("--users", default="1,5,20", help="the load levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=20, help="the till flow, per level")
    parser.add_argument("--page-seconds", type=float, default=5, help="each page, per level")
    parser.add_argument(
        "--max-steps", type=int, default=1000, help="per phase (the baseline and floor: their time)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database if it exists")
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",")]

    url = database_url(args.database)
    static_root = tempfile.mkdtemp(prefix="connexions-bench-static-")
    env = production_env(
        url,
        ALLOWED_HOSTS=targets.HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{targets.HOST}",
        STATIC_ROOT=static_root,
        CONNEXIONS_BENCH_HEADERS="1",
    )
    if args.reuse and exists(url, args.database):
        manage(env, "migrate", "--no-input", "-v0")
    else:
        build(
            url,
            args.database,
            people=args.people,
            sale_lines=args.sale_lines,
            env=env,
            demo=True,
        )
    manage(env, "collectstatic", "--no-input", "-v0")
    # Each flow sells to a person of their own (purchase limits), from a stock big enough.
    buyers = len(levels) * args.max_steps + 50
    plan = _prepare(env, buyers)

    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="connexions-bench-gunicorn-", suffix=".log")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--config", "gunicorn.conf.py", "connexions.wsgi"],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, server)
        bench = Bench(port, plan, args.max_steps)
        bench.log_in(max(levels))
        bench.warm_up()
        rows = []
        for users in levels:
            print(f"{users} user(s)…", flush=True)
            rows += bench.level(users, args.seconds, args.page_seconds)
        workers = os.environ.get("WEB_CONCURRENCY") or os.cpu_count() * 2 + 1
        print(
            f"\nData: {plan['people']:,} people, {plan['lines']:,} sale lines; gunicorn "
            f"(gunicorn.conf.py, DEBUG off), {workers} workers; till flow {args.seconds:g} s "
            f"and each page {args.page_seconds:g} s per level.\n"
        )
        targets.print_table(rows)
        if bench.recorder_errors:
            print("\nFirst errors:\n  " + "\n  ".join(bench.recorder_errors))
            log.seek(0)
            # The access log's lines start with the client's address: the rest says why.
            others = [ln for ln in log.read().decode().splitlines() if not ln.startswith("127.")]
            print(
                "--- gunicorn's log, without the access lines (end) ---\n" + "\n".join(others[-40:])
            )
    except BaseException:
        log.seek(0)
        print("--- gunicorn's log (end) ---\n" + log.read().decode()[-4000:], file=sys.stderr)
        raise
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        subprocess.run(["rm", "-rf", static_root], check=False)


def _prepare(env: dict, buyers: int) -> dict:
    """In the bench database: the demo manager manages every site (so the dashboard covers the
    whole network), the counsellor's till is open, `buyers` vouchers are in stock there, and
    `buyers` eligible people have bought nothing for a month."""
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from beneficiaries.models import Beneficiary
    from catalogue.models import Product
    from catalogue.services import vouchers_import
    from connexions.enums import SiteRole
    from connexions.models import ReceptionSite, SiteMembership, User
    from sales.models import SaleLine, TillSession
    from sales.services import till_open

    counsellor = User.objects.get(email=COUNSELLOR)
    manager = User.objects.get(email=MANAGER)
    site = counsellor.memberships.order_by("pk").first().site
    for other in ReceptionSite.objects.exclude(memberships__user=manager):
        SiteMembership.objects.create(
            user=manager, site=other, role=SiteRole.SITE_MANAGER, can_open_till=True
        )
    if not TillSession.objects.open().filter(site=site).exists():
        till_open(site=site, opening_float=Decimal("50.00"), actor=manager)
    product = Product.objects.get(name=TOPUP)
    stamp = int(time.time())
    expiry = timezone.localdate() + timedelta(days=365)
    rows = ["serial;pin;expiry"] + [
        f"BENCH{stamp}{n:05d};{(stamp * 100003 + n * 15485863) % 10**12:012d};{expiry:%d/%m/%Y}"
        for n in range(buyers)
    ]
    vouchers_import(
        site=site,
        product=product,
        content=("\n".join(rows) + "\n").encode(),
        filename=f"bench-{stamp}.csv",
        actor=manager,
    )
    today = timezone.localdate()
    people = list(
        Beneficiary.objects.eligible_on(today)
        .exclude(sales__at__gte=timezone.now() - timedelta(days=31))
        .order_by("-pk")[:buyers]
    )
    plan = {
        "product": product.pk,
        "buyers": [(person.scan_code, person.number) for person in people],
        "card": people[-1].pk,
        "people": Beneficiary.objects.count(),
        "lines": SaleLine.objects.count(),
        "today": today,
    }
    connection.close()
    return plan


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen) -> None:
    for _ in range(240):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before answering.")
        try:
            if Visitor(port).request("GET", "/health/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /health/ in 2 minutes.")


class Bench:
    def __init__(self, port: int, plan: dict, max_steps: int):
        self.port = port
        self.plan = plan
        self.max_steps = max_steps
        self.buyers = iter(plan["buyers"])
        self.lock = threading.Lock()
        self.pools: dict[str, list[Visitor]] = {}
        self.recorder_errors: list[str] = []

    def log_in(self, users: int) -> None:
        """Logged-in visitors for every phase, in advance: logins are not what is measured."""
        for role, email in (("till", COUNSELLOR), ("counsellor", COUNSELLOR), ("manager", MANAGER)):
            pool = [Visitor(self.port) for _ in range(users)]
            threads = [threading.Thread(target=v.log_in, args=(email,)) for v in pool]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.pools[role] = pool

    def _visitors(self, role: str):
        pool = iter(self.pools[role])
        lock = threading.Lock()

        def take():
            with lock:
                visitor = next(pool)
            if role == "till":
                visitor.request("GET", "/caisse/")
                visitor.request("POST", "/caisse/panier/vider/", htmx=True)
            return visitor

        return take

    def warm_up(self) -> None:
        """Every worker has rendered every page once (templates, fonts) before anything counts."""
        users = min(5, len(self.pools["till"]))
        scratch = Recorder()
        run_phase(users, 60, 2 * users, self._visitors("till"), self._till_flow(scratch))
        for _label, role, path, _kind in targets.pages(self.plan):
            run_phase(users, 60, 2 * users, self._visitors(role), self._page(scratch, "", path))
        keep_alive = self._page(scratch, "", KEEP_ALIVE, status=204)
        run_phase(users, 60, 2 * users, self._visitors("counsellor"), keep_alive)

    def level(self, users: int, seconds: float, page_seconds: float) -> list[dict]:
        rows = []
        recorder = Recorder()
        elapsed = run_phase(
            users,
            2 * page_seconds,
            BASELINE_STEPS,
            lambda: Visitor(self.port),
            self._page(recorder, HEALTH, "/health/"),
        )
        baseline = len(recorder.samples[HEALTH].ms) / elapsed
        rows.append(
            targets.row(users, HEALTH, "health", recorder.samples[HEALTH], elapsed, baseline)
        )
        self._keep(recorder)

        recorder = Recorder()
        elapsed = run_phase(
            users,
            2 * page_seconds,
            BASELINE_STEPS,
            self._visitors("counsellor"),
            self._page(recorder, FLOOR, KEEP_ALIVE, status=204),
        )
        rows.append(targets.row(users, FLOOR, "floor", recorder.samples[FLOOR], elapsed, baseline))
        self._keep(recorder)

        recorder = Recorder()
        elapsed = run_phase(
            users, seconds, self.max_steps, self._visitors("till"), self._till_flow(recorder)
        )
        for label in targets.TILL_STEPS:
            if label in recorder.samples:
                rows.append(
                    targets.row(users, label, "till", recorder.samples[label], elapsed, baseline)
                )
        self._keep(recorder)

        for label, role, path, kind in targets.pages(self.plan):
            recorder = Recorder()
            elapsed = run_phase(
                users,
                page_seconds,
                self.max_steps,
                self._visitors(role),
                self._page(recorder, label, path),
            )
            rows.append(targets.row(users, label, kind, recorder.samples[label], elapsed, baseline))
            self._keep(recorder)
        return rows

    def _keep(self, recorder: Recorder) -> None:
        self.recorder_errors += recorder.first_errors[: 5 - len(self.recorder_errors)]

    def _page(self, recorder: Recorder, label: str, path: str, *, status=200):
        """A GET of the page, answered with `status` (a logged-out visitor gets a redirect)."""

        def step(visitor: Visitor):
            try:
                response = visitor.request("GET", path)
            except OSError as exc:  # a timeout: the server is saturated
                recorder.error(label, repr(exc))
                return
            pdf = path.endswith(".pdf")
            ok = response.status == status and (
                not pdf or response.header("Content-Type") == "application/pdf"
            )
            recorder.record(label, response, ok)

        return step

    def _till_flow(self, recorder: Recorder):
        """One person served, as at the till with htmx: each step is a request of its own."""

        def step(visitor: Visitor):
            with self.lock:
                buyer = next(self.buyers, None)
            if buyer is None:
                recorder.error("scan card", "no more buyers prepared")
                return False
            code, number = buyer
            try:
                self._serve(visitor, recorder, code, number)
            except FlowError as refused:
                recorder.error("flow", str(refused)[:200])
                visitor.request("POST", "/caisse/panier/vider/", htmx=True)
            except OSError as exc:
                recorder.error("flow", repr(exc))

        return step

    def _serve(self, visitor: Visitor, recorder: Recorder, code: str, number: str) -> None:
        def check(label, response, ok, why=""):
            recorder.record(label, response, ok, why)
            if not ok:
                raise FlowError(f"{label}: {response.status} {why}")

        scanned = visitor.request("POST", "/caisse/scanner/", {"code": code}, htmx=True)
        check("scan card", scanned, scanned.status == 200 and number in scanned.text)
        added = visitor.request(
            "POST", "/caisse/panier/ajouter/", {"product": self.plan["product"]}, htmx=True
        )
        token = re.search(r'name="token" value="([^"]+)"', added.text)
        cash = re.search(r'<input[^>]*name="cash_amount"[^>]*value="([^"]+)"', added.text)
        check("add item", added, added.status == 200 and bool(token and cash), "no payment form")
        confirmed = visitor.request(
            "POST",
            "/caisse/encaisser/",
            {"token": token.group(1), "cash_amount": cash.group(1), "cash_received": ""},
            htmx=True,
        )
        refusal = re.search(r'role="alert">([^<]+)<', confirmed.text)
        check(
            "confirm sale",
            confirmed,
            confirmed.status == 204 and bool(confirmed.header("HX-Redirect")),
            refusal.group(1).strip() if refusal else "",
        )
        till = visitor.request("GET", "/caisse/")
        sale = re.search(r"/caisse/ventes/(\d+)/imprimer/", till.text)
        check("till page", till, till.status == 200 and sale is not None, "no last sale")
        receipt = visitor.request("POST", f"/caisse/ventes/{sale.group(1)}/ticket.pdf")
        check(
            "receipt PDF",
            receipt,
            receipt.status == 200 and receipt.header("Content-Type") == "application/pdf",
        )


if __name__ == "__main__":
    main()

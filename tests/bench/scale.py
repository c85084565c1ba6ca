"""`make bench-scale`: builds a large data set with `seed_scale` in a database of its own (never
`make run`'s), then times the pages that must stay fast at scale through the whole Django stack
(production settings, DEBUG off) and prints, for each: p50, p95, queries, the target and whether
it was met, with `/health/` measured in the same run as the baseline. It prints; it never fails
on timings (the machine's load makes them noisy).

    python -m tests.bench.scale --people 1000000 --sale-lines 10000000 [--reuse] [--repeat 20]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

from tests.bench.database import build, database_url, production_env

TARGET_MS = 150
EXPORT_TARGET_S = 10
DASHBOARD_MS = 1000  # the impact dashboard for every site (docs/architecture.md, "Benchmark")
DASHBOARD_PDF_MS = 3000


def _measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)

    get()  # warm
    samples = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            get()
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, len(queries.captured_queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--sale-lines", type=int, default=10_000_000)
    parser.add_argument("--database", default="connexions_bench_scale")
    parser.add_argument("--reuse", action="store_true", help="measure the existing data set")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    url = database_url(args.database)
    env = production_env(url, ALLOWED_HOSTS="testserver")
    if not args.reuse:
        build(url, args.database, people=args.people, sale_lines=args.sale_lines, env=env)
    # Production settings serve hashed static names from the collected manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], env=env, check=True
    )
    os.environ.update(env)

    import django

    django.setup()
    from django.test import Client

    from beneficiaries.models import Beneficiary
    from catalogue.models import StockMovement
    from connexions.models import User
    from sales.models import SaleLine

    people = Beneficiary.objects.count()
    lines = SaleLine.objects.count()
    someone = Beneficiary.objects.order_by("pk")[people // 2]
    name = someone.last_name
    typo = name[:-1] + ("x" if name[-1] != "x" else "y")
    counsellor, manager = Client(), Client()
    counsellor.force_login(User.objects.get(email="conseiller@demo.connexions.fr"))
    manager.force_login(User.objects.get(email="responsable@demo.connexions.fr"))
    pages = [
        ("/health/ (baseline)", Client(), "/health/", None),
        ("home page (counsellor)", counsellor, "/", TARGET_MS),
        (f"search by name: {name}", counsellor, f"/beneficiaires/?q={name}", TARGET_MS),
        (
            f"search, no accent: {someone.first_name} {name}",
            counsellor,
            f"/beneficiaires/?q={_fold(someone.first_name)} {_fold(name)}",
            TARGET_MS,
        ),
        (f"search, one typo: {typo}", counsellor, f"/beneficiaires/?q={typo}", TARGET_MS),
        (
            "search by programme number",
            counsellor,
            f"/beneficiaires/?q={someone.number}",
            TARGET_MS,
        ),
        (
            "search by phone",
            counsellor,
            f"/beneficiaires/?q={someone.phone.as_national.replace(' ', '')}",
            TARGET_MS,
        ),
        ("till person lookup", counsellor, f"/caisse/client/recherche/?q={name}", TARGET_MS),
        ("beneficiary list", counsellor, "/beneficiaires/", TARGET_MS),
        ("follow-ups due", counsellor, "/beneficiaires/suivis-a-faire/", TARGET_MS),
        ("referral inbox", counsellor, "/orientations/a-traiter/", TARGET_MS),
        ("stock ledger", manager, "/catalogue/stock/mouvements/", TARGET_MS),
        ("sales list", manager, "/caisse/ventes/", TARGET_MS),
        ("till sessions", manager, "/caisse/sessions/", TARGET_MS),
    ]
    print(
        f"\nData set: {people:,} people, {lines:,} sale lines, "
        f"{StockMovement.objects.count():,} stock movements; {args.repeat} runs per page.\n"
    )
    print(f"{'page':<48} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'target':>8}  met")
    for label, client, path, target in pages:
        p50, p95, queries = _measure(client, path, args.repeat)
        met = "" if target is None else ("yes" if p95 < target else "NO")
        shown = "" if target is None else f"< {target}"
        print(f"{label[:48]:<48} {p50:8.1f} {p95:8.1f} {queries:8d} {shown:>8}  {met}")
    for label, path, target in _dashboard(manager):
        p50, p95, queries = _measure(manager, path, max(3, args.repeat // 4))
        met = "yes" if p95 < target else "NO"
        print(f"{label[:48]:<48} {p50:8.1f} {p95:8.1f} {queries:8d} {'< ' + str(target):>8}  {met}")
    p50, _p95, _queries = _measure(manager, "/catalogue/stock/mouvements/?format=csv", 1)
    print(
        f"\nledger CSV of one site, streamed to the end: {p50 / 1000:.1f} s "
        f"(target: no web worker held > {EXPORT_TARGET_S} s)"
    )


def _dashboard(manager) -> list[tuple[str, str, int]]:
    """The impact dashboard's pages for the whole network: the demo's site manager is made a
    manager of every site of this database (its own, never make run's)."""
    from datetime import timedelta

    from django.utils import timezone

    from connexions.enums import SiteRole
    from connexions.models import ReceptionSite, SiteMembership, User

    user = User.objects.get(email="responsable@demo.connexions.fr")
    for site in ReceptionSite.objects.exclude(memberships__user=user):
        SiteMembership.objects.create(user=user, site=site, role=SiteRole.SITE_MANAGER)
    today = timezone.localdate()
    three_years = f"start={today.replace(year=today.year - 3) + timedelta(days=1)}&end={today}"
    return [
        ("dashboard, all sites, 12 months", "/impact/", DASHBOARD_MS),
        ("dashboard, all sites, 3 years", f"/impact/?{three_years}", DASHBOARD_MS),
        ("dashboard PDF, all sites, 3 years", f"/impact/bilan.pdf?{three_years}", DASHBOARD_PDF_MS),
        (
            "dashboard CSV (key figures), 3 years",
            f"/impact/export/chiffres-cles.csv?{three_years}",
            DASHBOARD_MS,
        ),
        (
            "dashboard CSV (one section's table), 3 years",
            f"/impact/export/accompagnements-par-site.csv?{three_years}",
            DASHBOARD_MS,
        ),
    ]


def _fold(text: str) -> str:
    import unicodedata

    return "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
    ).lower()


if __name__ == "__main__":
    main()

"""What `make bench` measures and the targets it reads each row against (docs/architecture.md,
"Benchmark"); it prints whether each was met and never fails on it.

- a till step (scan, add, confirm): at most 10 queries at every load; at most 15 ms of server
  time (the median of the `Server-Timing` the bench's middleware adds) with one user;
- the confirm's throughput with 20 users: at least 30 % of `/health/`'s in the same run;
- the receipt and member-card PDFs: under 150 ms (median) with one user;
- the dashboard: under 1 s (median) with one user;
- lists: under 150 ms at the 95th percentile with one user (the target of `make bench-scale`).

The signed-in floor (the keep-alive: session, user, memberships, session renewed, nothing else)
has no target: each till step does all it does, so its share of `/health/`'s throughput is the
most a till step can reach in the same run, and the table's last lines say so.
"""

from dataclasses import dataclass
from datetime import timedelta

from tests.bench.client import HOST, Samples, median, percentile

__all__ = ["FLOOR", "HOST", "TILL_STEPS", "pages", "print_table", "row"]

FLOOR = "signed-in floor"
TILL_STEPS = ["scan card", "add item", "confirm sale", "till page", "receipt PDF"]
TILL_QUERIES = 10
TILL_SERVER_MS = 15
CONFIRM_SHARE_OF_HEALTH = 0.30
CONFIRM_AT_USERS = 20
PDF_MS = 150
DASHBOARD_MS = 1000
LIST_P95_MS = 150


def pages(plan: dict) -> list[tuple[str, str, str, str]]:
    """(label, who, path, kind) of each page measured on its own."""
    today = plan["today"]
    three_years = f"start={today.replace(year=today.year - 3) + timedelta(days=1)}&end={today}"
    return [
        ("dashboard, 12 months", "manager", "/impact/", "dashboard"),
        ("dashboard, 3 years", "manager", f"/impact/?{three_years}", "dashboard"),
        ("member card PDF", "counsellor", f"/beneficiaires/{plan['card']}/carte.pdf", "pdf"),
        ("home page", "counsellor", "/", "list"),
        ("beneficiary list", "counsellor", "/beneficiaires/", "list"),
        ("follow-ups due", "counsellor", "/beneficiaires/suivis-a-faire/", "list"),
        ("referral inbox", "counsellor", "/orientations/a-traiter/", "list"),
        ("sales list", "manager", "/caisse/ventes/", "list"),
        ("stock ledger", "manager", "/catalogue/stock/mouvements/", "list"),
    ]


@dataclass
class Check:
    text: str
    met: bool | None  # None: nothing measured


def _checks(users: int, label: str, kind: str, row: dict) -> list[Check]:
    def judged(text, value, ok):
        return Check(text, None if value is None else ok(value))

    checks = []
    if kind == "till" and label in ("scan card", "add item", "confirm sale"):
        checks.append(
            judged(f"≤ {TILL_QUERIES} q", row["queries_max"], lambda q: q <= TILL_QUERIES)
        )
        if users == 1:
            checks.append(
                judged(f"≤ {TILL_SERVER_MS} ms", row["server"], lambda ms: ms <= TILL_SERVER_MS)
            )
        if label == "confirm sale" and users == CONFIRM_AT_USERS:
            checks.append(
                judged(
                    f"≥ {CONFIRM_SHARE_OF_HEALTH:.0%} health",
                    row["ratio"],
                    lambda r: r >= CONFIRM_SHARE_OF_HEALTH,
                )
            )
    elif users == 1 and (kind == "pdf" or label == "receipt PDF"):
        checks.append(judged(f"< {PDF_MS} ms", row["p50"], lambda ms: ms < PDF_MS))
    elif users == 1 and kind == "dashboard":
        checks.append(judged("< 1 s", row["p50"], lambda ms: ms < DASHBOARD_MS))
    elif users == 1 and kind == "list":
        checks.append(judged(f"p95 < {LIST_P95_MS} ms", row["p95"], lambda ms: ms < LIST_P95_MS))
    return checks


def row(users: int, label: str, kind: str, samples: Samples, elapsed: float, baseline: float):
    """One line of the table: timings of the successful requests, their throughput over the
    phase's wall time and its share of `/health/`'s at the same load."""
    ms = samples.ms
    throughput = len(ms) / elapsed if elapsed else 0.0
    result = {
        "users": users,
        "label": label,
        "n": len(ms),
        "errors": samples.errors,
        "p50": median(ms),
        "p95": percentile(ms, 0.95) if ms else None,
        "server": median(samples.server_ms),
        "queries_min": min(samples.queries, default=None),
        "queries_max": max(samples.queries, default=None),
        "throughput": throughput,
        "ratio": throughput / baseline if baseline and ms else None,
    }
    result["checks"] = _checks(users, label, kind, result)
    return result


def _number(value, digits=0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _queries(row: dict) -> str:
    low, high = row["queries_min"], row["queries_max"]
    if low is None:
        return "—"
    return str(low) if low == high else f"{low}–{high}"


def _met(checks: list[Check]) -> str:
    if not checks:
        return ""
    if any(check.met is None for check in checks):
        return "?"
    return "yes" if all(check.met for check in checks) else "NO"


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'users':>5}  {'page':<22} {'n':>5} {'err':>4} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'srv p50':>7} {'× floor':>7} {'queries':>7} {'req/s':>6} {'vs health':>9}  "
        f"{'target':<28} met"
    )
    floors = {item["users"]: item["server"] for item in rows if item["label"] == FLOOR}
    print(header)
    print("-" * len(header))
    previous = None
    for item in rows:
        if previous is not None and item["users"] != previous:
            print()
        previous = item["users"]
        ratio = (
            "—" if item["ratio"] is None else f"{item['ratio']:.{1 if item['ratio'] < 0.1 else 0}%}"
        )
        target = ", ".join(check.text for check in item["checks"])
        floor = floors.get(item["users"])
        times_floor = item["server"] / floor if item["server"] is not None and floor else None
        print(
            f"{item['users']:>5}  {item['label'][:22]:<22} {item['n']:>5} {item['errors']:>4} "
            f"{_number(item['p50']):>7} {_number(item['p95']):>7} "
            f"{_number(item['server'], 1):>7} {_number(times_floor, 1):>7} {_queries(item):>7} "
            f"{item['throughput']:>6.1f} {ratio:>9}  {target:<28} {_met(item['checks'])}"
        )
    for item in rows:
        if item["label"] == FLOOR and item["ratio"] is not None:
            server = _number(item["server"], 1)
            print(
                f"\nWith {item['users']} user(s), a signed-in request that does nothing else "
                f"reaches {item['ratio']:.1%} of /health/'s throughput ({server} ms of server "
                "time): no till step can reach a larger share.",
                end="",
            )
    print(
        "\n\np50/p95: client side, loopback included; srv p50: the server's own time "
        "(Server-Timing); × floor: that time as a multiple of the signed-in floor's at the same "
        "load; queries: per request (min–max); req/s over the phase's wall time, "
        "vs health: that throughput as a share of /health/'s at the same load."
    )

"""The bench's HTTP side: visitors that talk to gunicorn on the loopback as the reverse proxy
would (HTTPS announced by `X-Forwarded-Proto`, the public host name, the referrer that CSRF checks),
and a recorder of what each request cost."""

import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

HOST = "connexions.example.org"
DEMO_PASSWORD = "demo-connexions-2026"
TIMEOUT_S = 120  # above gunicorn's timeout: a request queued behind slow ones still counts


class FlowError(Exception):
    """A response the flow did not expect: counted, and the visitor starts over."""


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    @property
    def queries(self) -> int | None:
        value = self.header("X-Query-Count")
        return int(value) if value else None

    @property
    def server_ms(self) -> float | None:
        found = re.search(r"dur=([\d.]+)", self.header("Server-Timing"))
        return float(found.group(1)) if found else None


class Visitor:
    """One browser: its cookies, the CSRF token of the last full page; no redirect followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies = SimpleCookie()
        self.csrf = ""

    def request(self, method, path, data=None, *, htmx=False) -> Response:
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode({"csrfmiddlewaretoken": self.csrf, **(data or {})})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://{HOST}{path}"
        if htmx:  # what htmx sends (the page's hx-headers carry the CSRF token)
            headers |= {"HX-Request": "true", "X-CSRFToken": self.csrf}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            content = raw.read()
        finally:
            connection.close()
        response = Response(raw.status, raw.headers, content, (time.perf_counter() - started) * 1e3)
        for cookie in raw.headers.get_all("Set-Cookie") or []:
            self.cookies.load(cookie)
        if found := re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text):
            self.csrf = found.group(1)
        return response

    def log_in(self, email: str) -> None:
        self.request("GET", "/connexion/")
        response = self.request(
            "POST", "/connexion/", {"username": email, "password": DEMO_PASSWORD}
        )
        if response.status != 302:
            raise FlowError(f"login of {email}: {response.status}")
        self.request("GET", "/")  # the login rotated the CSRF token: take the new one


@dataclass
class Samples:
    ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: int = 0


class Recorder:
    """What each page cost, by label; thread-safe."""

    def __init__(self):
        self.samples: dict[str, Samples] = {}
        self.first_errors: list[str] = []
        self._lock = threading.Lock()

    def record(self, label: str, response: Response, ok: bool, why: str = "") -> None:
        with self._lock:
            samples = self.samples.setdefault(label, Samples())
            if not ok:
                samples.errors += 1
                if len(self.first_errors) < 5:
                    self.first_errors.append(f"{label}: {response.status} {why}".strip())
                return
            samples.ms.append(response.ms)
            if response.server_ms is not None:
                samples.server_ms.append(response.server_ms)
            if response.queries is not None:
                samples.queries.append(response.queries)

    def error(self, label: str, why: str) -> None:
        with self._lock:
            self.samples.setdefault(label, Samples()).errors += 1
            if len(self.first_errors) < 5:
                self.first_errors.append(f"{label}: {why}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def median(values) -> float | None:
    return statistics.median(values) if values else None


def run_phase(users: int, seconds: float, max_steps: int, start_visitor, step) -> float:
    """`users` threads: each prepares its visitor (`start_visitor()`, not measured), then all
    start together and repeat `step(visitor)` until `seconds` have passed, the phase has made
    `max_steps` steps or `step` returns False. Returns the measured wall time, in seconds."""
    lock = threading.Lock()
    made = 0
    clock = {}
    failures = []

    def start_clock():
        clock["started"] = time.monotonic()
        clock["deadline"] = clock["started"] + seconds

    ready = threading.Barrier(users + 1, action=start_clock)

    def work():
        nonlocal made
        visitor = None
        try:
            visitor = start_visitor()
        except Exception as exc:  # noqa: BLE001 (reported once the phase is over)
            failures.append(exc)
        finally:
            ready.wait()
        while visitor is not None and time.monotonic() < clock["deadline"]:
            with lock:
                if made >= max_steps:
                    return
                made += 1
            if step(visitor) is False:
                return

    threads = [threading.Thread(target=work, daemon=True) for _ in range(users)]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return time.monotonic() - clock["started"]

"""Smoke test of a running production stack, as the reverse proxy would talk to it.

    python .ci/smoke.py http://127.0.0.1:8765

Every request but the load balancer's probe carries `X-Forwarded-Proto: https`. Exits non-zero
with the failed checks listed.
"""

import http.client
import re
import sys
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

DEMO_PASSWORD = "demo-connexions-2026"
ROLES = [
    "conseiller@demo.connexions.fr",
    "responsable@demo.connexions.fr",
    "ts.ccas@demo.connexions.fr",
    "ts.pimms@demo.connexions.fr",
]
ADMIN = "admin@demo.connexions.fr"
HOST = "connexions.example.org"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "Strict-Transport-Security": "max-age=",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


class Browser:
    """One visitor behind the proxy: keeps its cookies, follows no redirect."""

    def __init__(self, base):
        self.address = urlsplit(base)
        self.cookies = SimpleCookie()

    def request(self, method, path, body=None, headers=None, proxied=True):
        connection = http.client.HTTPConnection(
            self.address.hostname, self.address.port, timeout=30
        )
        headers = {"Host": HOST, **(headers or {})}
        if proxied:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        if body is not None:
            body = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://{HOST}{path}"  # CSRF checks the referrer over HTTPS
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.text = response.read().decode("utf-8", "replace")
        for cookie in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(cookie)
        connection.close()
        return response

    def log_in(self, email):
        form = self.request("GET", "/connexion/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return self.request(
            "POST",
            "/connexion/",
            {"csrfmiddlewaretoken": token, "username": email, "password": DEMO_PASSWORD},
        )


def main(base):
    probe = Browser(base)
    health = probe.request("GET", "/health/", headers={"Host": "10.0.0.12"}, proxied=False)
    check(
        health.status == 200 and '"database": "ok"' in health.text,
        "health over plain HTTP, IP host",
    )
    check(Browser(base).request("GET", "/health/").status == 200, "health through the proxy")
    plain = Browser(base).request("GET", "/connexion/", proxied=False)
    check(
        plain.status == 301 and plain.getheader("Location", "").startswith("https://"),
        "plain HTTP redirected to HTTPS",
    )

    login = Browser(base).request("GET", "/connexion/")
    check(login.status == 200 and 'lang="fr"' in login.text, "login page, in French")
    for header, expected in SECURITY_HEADERS.items():
        check(expected in (login.getheader(header) or ""), f"header {header}")

    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login.text)
    check(stylesheet is not None, "login page links a stylesheet")
    if stylesheet:
        static = Browser(base).request("GET", stylesheet.group(1))
        check(
            static.status == 200 and "max-age=" in (static.getheader("Cache-Control") or ""),
            f"static file {stylesheet.group(1)} with a cache header",
        )

    for email in ROLES:
        visitor = Browser(base)
        logged_in = visitor.log_in(email)
        check(logged_in.status == 302, f"{email}: password accepted")
        home = visitor.request("GET", "/")
        check(home.status == 200 and "Se déconnecter" in home.text, f"{email}: home page in French")

    admin = Browser(base)
    admin.log_in(ADMIN)
    refused = admin.request("GET", "/admin/")
    check(
        refused.status == 302 and "/connexion/double-facteur/" in refused.getheader("Location", ""),
        "admin refused with the password alone (sent to the second factor)",
    )

    if failures:
        print(f"\n{len(failures)} check(s) failed.")
        return 1
    print("\nEvery smoke check passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

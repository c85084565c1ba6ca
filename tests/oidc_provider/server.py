"""Runs the test OpenID Connect provider (tests/oidc_provider/settings.py) in its own process,
on its own database, for the test session."""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass
class Provider:
    url: str  # the issuer's base: its discovery document is at <url>/.well-known/...
    origin: str
    private_key: str
    process: subprocess.Popen

    def setup(self, **data) -> None:
        response = requests.post(f"{self.origin}/setup/", data=json.dumps(data), timeout=10)
        response.raise_for_status()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """A database of its own beside the test database, created afresh."""
    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_oidc_provider"
    params = {k: db[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if db.get(k)}
    with psycopg.connect(
        dbname="postgres",
        host=params.get("HOST"),
        port=params.get("PORT"),
        user=params.get("USER"),
        password=params.get("PASSWORD"),
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = params.get("USER", "")
    if params.get("PASSWORD"):
        auth += f":{params['PASSWORD']}"
    host = params.get("HOST", "")
    if host.startswith("/"):
        return f"postgres://{auth}@/{name}?host={host}&port={params.get('PORT', 5432)}"
    return f"postgres://{auth}@{host}:{params.get('PORT', 5432)}/{name}"


def start() -> Provider:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "OIDC_PROVIDER_DATABASE_URL": _database_url(),
        "OIDC_PROVIDER_PRIVATE_KEY": pem,
    }
    run = [sys.executable, "-m", "django"]
    subprocess.run([*run, "migrate", "-v", "0"], env=env, cwd=PROJECT_DIR, check=True)
    port = _free_port()
    process = subprocess.Popen(
        [*run, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=env,
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    origin = f"http://127.0.0.1:{port}"
    for _attempt in range(100):
        try:
            requests.get(f"{origin}/o/.well-known/openid-configuration", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("the test OpenID Connect provider did not start")
    return Provider(url=f"{origin}/o", origin=origin, private_key=pem, process=process)

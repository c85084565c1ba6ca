"""The benchmarks' databases: each has one of its own on the server that `make run` uses (or the
one `DATABASE_URL` names), built afresh from migrations, never `make run`'s nor the tests'."""

import os
import subprocess
import sys
import time


def database_url(name: str) -> str:
    """The address of database `name` on the server of `connexions.db.database_url()`; refuses
    that URL's own database (make run's)."""
    from connexions.db import database_url as project_url

    base = project_url().split("?", 1)[0]
    server, current = base.rsplit("/", 1)
    if name == current:
        raise SystemExit(f"The benchmark database may not be {name!r}: that is make run's.")
    return f"{server}/{name}"


def psycopg_url(url: str) -> str:
    """psycopg reads postgres:// URLs, except a Unix socket written as the URL's path."""
    if url.startswith("postgres://postgres@/"):
        socket_dir, name = url.removeprefix("postgres://postgres@").rsplit("/", 1)
        return f"host={socket_dir} user=postgres dbname={name}"
    return url


def exists(url: str, name: str) -> bool:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(psycopg_url(admin_url), autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def build(url: str, name: str, *, people: int, sale_lines: int, env: dict, demo=False) -> None:
    """Drop and create the database, migrate, write the `seed_scale` set, then (with `demo`) the
    demo data on top of it (seed_scale wants an empty database, seed_demo is idempotent)."""
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(psycopg_url(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    manage(env, "migrate", "--no-input", "-v0")
    started = time.monotonic()
    manage(env, "seed_scale", "--people", str(people), "--sale-lines", str(sale_lines))
    print(f"seed_scale: {time.monotonic() - started:.0f} s", flush=True)
    if demo:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"seed_demo: {time.monotonic() - started:.0f} s", flush=True)
    # As autovacuum leaves a database in service: visibility maps set (index-only scans read
    # no table) and statistics fresh. Just after a bulk load neither holds yet.
    started = time.monotonic()
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    print(f"vacuum: {time.monotonic() - started:.0f} s", flush=True)


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], env=env, check=True)


def production_env(url: str, **extra: str) -> dict:
    """Production settings (DEBUG off) on `url`; no developer's `.env` leaks in."""
    return {
        **os.environ,
        "ENV_FILE": "/dev/null",
        "DATABASE_URL": url,
        "DEBUG": "False",
        "SECRET_KEY": "bench-not-a-real-secret-0123456789-abcdefghijklmnopqrstuvwxyz-0123",
        "EMAIL_URL": os.environ.get("EMAIL_URL", "smtp://localhost:25"),
        "DJANGO_SETTINGS_MODULE": "connexions.settings",
        **extra,
    }

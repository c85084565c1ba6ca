"""Backups of the project's database: pg_dump's custom format, restored into an empty database.

pg_dump and pg_restore must match the server's major version, so they are looked for in `PG_BIN`,
then beside the embedded server, Debian's versioned directory and `PATH`, keeping the first of
the server's version.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from django.db import connection

from connexions.db import embedded_bin_dir


class BackupError(Exception):
    pass


def backup(output: Path) -> None:
    """Dump the database Django connects to into `output` (written whole or not at all)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    _run("pg_dump", ["--format=custom", f"--file={partial}"])
    partial.rename(output)


def restore(dump: Path) -> None:
    """Restore `dump` into the database Django connects to, which must hold no table yet."""
    if not dump.is_file():
        raise BackupError(f"No backup file at {dump}.")
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']!r} already has {len(tables)} tables: "
            "a backup is restored only into an empty database. Create a new one, point "
            "DATABASE_URL at it and run the restore again."
        )
    # The restored objects belong to whoever restores (the owner role); all or nothing.
    _run("pg_restore", ["--no-owner", "--exit-on-error", "--single-transaction", str(dump)])


def _run(program: str, arguments: list[str]) -> None:
    db = connection.settings_dict
    # Connection parameters through libpq's environment, so the password is on no command line.
    libpq = {
        "PGHOST": db["HOST"],
        "PGPORT": str(db["PORT"] or ""),
        "PGUSER": db["USER"],
        "PGPASSWORD": db["PASSWORD"],
        "PGSSLMODE": db["OPTIONS"].get("sslmode", ""),
    }
    env = {**os.environ, **{key: value for key, value in libpq.items() if value}}
    command = [_tool(program), "--no-password", f"--dbname={db['NAME']}", *arguments]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise BackupError(f"{program} failed:\n{result.stderr.strip()}")


def _tool(program: str) -> str:
    with connection.cursor():  # connects, so the server's version is known
        major = connection.pg_version // 10000
    directories = [os.environ.get("PG_BIN"), embedded_bin_dir(), f"/usr/lib/postgresql/{major}/bin"]
    candidates = [Path(d) / program for d in directories if d] + [shutil.which(program)]
    for candidate in filter(None, candidates):
        if Path(candidate).is_file() and _major_version(candidate) == major:
            return str(candidate)
    raise BackupError(
        f"No {program} for PostgreSQL {major} found: set PG_BIN to the directory of the server's "
        "client programs."
    )


def _major_version(program) -> int | None:
    output = subprocess.run([program, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"\) (\d+)", output)
    return int(found.group(1)) if found else None

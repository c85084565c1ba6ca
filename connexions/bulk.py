"""The bulk writer: large generated data sets (`seed_scale`, and any programme-scale demo) are
written through it, never row by row.

Each app builds unsaved model instances with their ids reserved here (so rows can point at each
other before anything is written), hands them to `BulkWriter.add`, and the writer copies them
into PostgreSQL with `COPY ... FROM STDIN` in batches, parents first. The instances are real
model instances, so whatever an app computes from them (the till journal's hashes) is computed
by the app's own code, exactly as on the normal write path.

Database triggers stay on: append-only guards only watch updates and deletes, and the row
history (django-pghistory) records each inserted row as the normal path would. Each batch is its
own transaction; foreign keys are checked at its commit, so a batch must hold its rows' parents
or come after the batch that holds them (flushes keep the order in which models first came).
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, models, transaction
from django.utils import timezone


def _is_plain(f) -> bool:
    """Django's own scalar fields hand PostgreSQL their Python value as is; any other field
    (phone numbers, arrays, JSON) goes through its own conversion."""
    return type(f).__module__.startswith("django.db.models.fields") and not isinstance(
        f, models.JSONField
    )


@dataclass
class ScalePlan:
    """What `seed_scale` builds: each app's `scale.seed(plan, writer)` reads it and leaves in
    `shared` what a later app needs (id ranges, dates), so apps need not import each other."""

    people: int
    sale_lines: int
    years: int = 3
    seed: int = 2026
    today: date = field(default_factory=timezone.localdate)
    shared: dict = field(default_factory=dict)

    @property
    def start(self) -> date:
        return self.today - timedelta(days=365 * self.years)

    def rng(self, name: str) -> random.Random:
        """A generator of its own per app, so one app's draws do not shift another's."""
        return random.Random(f"{self.seed}-{name}")


class BulkWriter:
    def __init__(self, *, batch_size: int = 20_000):
        self.batch_size = batch_size
        self._pending: dict[type[models.Model], list] = {}
        self._columns: dict[tuple, list] = {}
        self.written: dict[str, int] = {}

    def reserve_ids(self, model: type[models.Model], count: int) -> range:
        """`count` consecutive ids of `model`'s sequence, taken at once (concurrent writers get
        other ids; the sequence is left past them)."""
        if count <= 0:
            return range(0)
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), "
                "nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
                [table, pk, table, pk, count],
            )
            last = cursor.fetchone()[0]
        return range(last - count + 1, last + 1)

    def ids(self, model: type[models.Model], *, chunk: int = 10_000):
        """An endless supply of fresh ids of `model`, reserved `chunk` at a time."""
        while True:
            yield from self.reserve_ids(model, chunk)

    def add(self, obj: models.Model) -> None:
        model = type(obj)
        rows = self._pending.setdefault(model, [])
        rows.append(obj)
        if len(rows) >= self.batch_size:
            self.flush()

    def add_all(self, objs) -> None:
        for obj in objs:
            self.add(obj)

    def flush(self) -> None:
        """Write every pending row, parents first, in one transaction."""
        if not any(self._pending.values()):
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for model, rows in self._pending.items():
                if rows:
                    self._copy(cursor, model, rows)
                    label = model._meta.label
                    self.written[label] = self.written.get(label, 0) + len(rows)
                    rows.clear()

    def _copy(self, cursor, model, rows) -> None:
        # Rows without an id take the next ones of the sequence (the column's default).
        with_pk = rows[0].pk is not None
        columns = self._columns.get((model, with_pk))
        if columns is None:
            columns = self._columns[(model, with_pk)] = [
                (f, _is_plain(f))
                for f in model._meta.concrete_fields
                if with_pk or not f.primary_key
            ]
        names = ", ".join(connection.ops.quote_name(f.column) for f, _plain in columns)
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for obj in rows:
                copy.write_row(
                    [
                        getattr(obj, f.attname)
                        if plain
                        else f.get_db_prep_save(getattr(obj, f.attname), connection)
                        for f, plain in columns
                    ]
                )

"""The bulk writer: large generated data sets (`seed_scale`, and any programme-scale demo) are
written through it, never row by row.

Each app builds unsaved model instances with their ids reserved here (so rows can point at each
other before anything is written), hands them to `BulkWriter.add`, and the writer copies them
into PostgreSQL with `COPY ... FROM STDIN` in batches of its own transaction, parents first (in
the order models first came). The instances are real model instances, so whatever an app
computes from them (the till journal's hashes) is computed by the app's own code, exactly as on
the normal write path.

Row history stays consistent: each row gets the one `insert` event django-pghistory's trigger
would have written. Connected as a superuser (development, the benchmark database), a batch
runs with `session_replication_role = replica`, which switches the row triggers off (history,
append-only guards that only watch updates and deletes, and foreign-key checks: the generator
is trusted with its ids, and CHECK and UNIQUE constraints still apply), then writes the batch's
history events in one `INSERT ... SELECT` per tracked table. Otherwise the triggers stay on and
write the events themselves, row by row (slower, same result).
"""

import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pghistory.models
from django.apps import apps
from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules


def _is_plain(f) -> bool:
    """Django's own scalar fields hand PostgreSQL their Python value as is; any other field
    (phone numbers, arrays, JSON) goes through its own conversion."""
    return type(f).__module__.startswith("django.db.models.fields") and not isinstance(
        f, models.JSONField
    )


_DEFAULTS: dict[type[models.Model], dict] = {}


def instance(model: type[models.Model], **values):
    """An unsaved `model` instance built at a fraction of `Model.__init__`'s cost: each field's
    default (taken once per model, so a field added later is there too), then `values`, given
    by attribute name (`site_id`, not `site`)."""
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = {
            f.attname: f.get_default() for f in model._meta.concrete_fields
        }
    if "pk" in values:
        values[model._meta.pk.attname] = values.pop("pk")
    obj = model.__new__(model)
    obj.__dict__.update(defaults)
    obj.__dict__.update(values)
    obj._state = ModelState()
    return obj


@dataclass
class ScalePlan:
    """What `seed_scale` builds: each app's `scale.seed(plan, writer)` reads it and leaves in
    `shared` what a later app needs (id ranges, dates), so apps need not import each other."""

    people: int
    sale_lines: int
    years: int = 3
    seed: int = 2026
    today: date = field(default_factory=timezone.localdate)
    # The programme-scale demo (`seed_demo --scale programme`) also wants what a benchmark does
    # not: workshops, partners and their grants, the situation recorded at each follow-up.
    demo: bool = False
    shared: dict = field(default_factory=dict)

    @property
    def start(self) -> date:
        return self.today - timedelta(days=365 * self.years)

    def rng(self, name: str) -> random.Random:
        """A generator of its own per app, so one app's draws do not shift another's."""
        return random.Random(f"{self.seed}-{name}")


# Irrational steps: `fraction(i, salt)` spreads consecutive indexes evenly over [0, 1) (a
# low-discrepancy sequence), so `share(i, rate, salt)` is true for a `rate` share of every run of
# consecutive indexes, and a published rate or average holds in any period or site, not only on
# the whole; each salt has its own step, so two traits do not line up.
_STEPS = [math.sqrt(p) % 1 for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)]


def fraction(index: int, salt: int) -> float:
    return (index * _STEPS[salt % len(_STEPS)] + salt * 0.137) % 1


def share(index: int, rate: float, salt: int) -> bool:
    return fraction(index, salt) < rate


def scale_modules() -> list:
    """Each app's `scale` module, in `INSTALLED_APPS` order (dependency order)."""
    autodiscover_modules("scale")
    return [
        sys.modules[f"{config.name}.scale"]
        for config in apps.get_app_configs()
        if f"{config.name}.scale" in sys.modules
    ]


def empty_database_refusal(modules) -> str | None:
    """Why the generated data cannot go in this database (None: it can)."""
    for module in modules:
        for model in getattr(module, "REQUIRES_EMPTY", ()):
            if model.objects.exists():
                return (
                    f"{model._meta.verbose_name_plural} already exist: generated data goes into "
                    "an empty database (after migrate, before seed_demo)."
                )
    return None


def run_scale(plan: ScalePlan, writer: "BulkWriter", modules, *, report: Callable) -> float:
    """Calls each app's `scale.seed(plan, writer)` in order, then refreshes the planner's
    statistics and calls each app's `scale.finish()` where it has one (to rebuild what is
    derived from the data); `report(line)` hears each app's time. Returns the seconds taken."""
    started = time.monotonic()
    for module in modules:
        step = time.monotonic()
        module.seed(plan, writer)
        writer.flush()
        report(f"{module.__name__.removesuffix('.scale')}: {time.monotonic() - step:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, so the planner sees the new sizes
    for module in modules:
        if hasattr(module, "finish"):
            step = time.monotonic()
            module.finish()
            name = module.__name__.removesuffix(".scale")
            report(f"{name}, finishing: {time.monotonic() - step:.1f} s")
    return time.monotonic() - started


class BulkWriter:
    def __init__(self, *, batch_size: int = 20_000):
        self.batch_size = batch_size
        self._pending: dict[type[models.Model], list] = {}
        self._columns: dict[tuple, list] = {}
        self.written: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._id_pools: dict[type[models.Model], object] = {}
        self._history = {
            event.pgh_tracked_model: event
            for event in apps.get_models()
            if issubclass(event, pghistory.models.Event)
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            self.triggers_off = cursor.fetchone()[0]

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
        if obj.pk is None and model in self._history:
            obj.pk = next(self._id_pools.setdefault(model, self.ids(model)))
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
            # A batch is long by design: the web's statement timeout is not meant for it.
            cursor.execute("SET LOCAL statement_timeout = 0")
            if self.triggers_off:
                cursor.execute("SET LOCAL session_replication_role = replica")
            for model, rows in self._pending.items():
                if rows:
                    started = time.monotonic()
                    self._copy(cursor, model, rows)
                    if self.triggers_off and model in self._history:
                        self._write_history(cursor, model, [obj.pk for obj in rows])
                    self.seconds[model._meta.label] = (
                        self.seconds.get(model._meta.label, 0) + time.monotonic() - started
                    )
                    label = model._meta.label
                    self.written[label] = self.written.get(label, 0) + len(rows)
                    rows.clear()
            # Back to the session's settings, should the caller's transaction go on.
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            cursor.execute("SET LOCAL statement_timeout = DEFAULT")

    def _write_history(self, cursor, model, ids) -> None:
        """The `insert` events the history trigger writes for these rows (see the module)."""
        event = self._history[model]
        quote = connection.ops.quote_name
        tracked = [f.column for f in event._meta.concrete_fields if not f.name.startswith("pgh_")]
        columns = ", ".join(quote(c) for c in tracked)
        cursor.execute(
            f"INSERT INTO {quote(event._meta.db_table)} "
            f"(pgh_created_at, pgh_label, pgh_obj_id, {columns}) "
            f"SELECT NOW(), 'insert', {quote(model._meta.pk.column)}, {columns} "
            f"FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = ANY(%s)",
            [ids],
        )

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

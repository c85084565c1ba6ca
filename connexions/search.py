"""Accent- and case-insensitive name search that an index can serve.

PostgreSQL's `unaccent()` is only STABLE (its dictionary could change), so no index may use it;
`connexions_unaccent(text)`, created by a migration of `connexions`, is the IMMUTABLE wrapper
that names the dictionary explicitly. `SearchText` is the one expression both the trigram GIN
indexes and the queries use, so the planner matches them.

A GIN index finds the matches of a name; ranking them all costs what they are many (a common
surname at national scale: tens of thousands). A GiST index reads them closest first
(`trigram_distance_index`), so the closest thousand cost the same whatever their number; it is
slower than GIN at filtering a name with few matches, so it is built over the words in another
order ("last first"), an expression the filters never use: the planner can only take it for the
distance order (docs/architecture.md, "Data at scale")."""

import unicodedata

from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.db.models import CharField, Func, Value


class SearchText(Func):
    """`connexions_unaccent(lower(a || ' ' || b ...))` over the given columns or values."""

    template = "connexions_unaccent(lower(%(expressions)s))"
    arg_joiner = " || ' ' || "
    output_field = CharField()


def search_text(query: str) -> SearchText:
    """The typed text, folded the same way as the indexed columns."""
    return SearchText(Value(" ".join(query.split())))


def trigram_index(*fields: str, name: str) -> GinIndex:
    """The trigram GIN index that name searches over `fields` use (see `SearchText`)."""
    return GinIndex(OpClass(SearchText(*fields), name="gin_trgm_ops"), name=name)


def trigram_distance_index(*fields: str, name: str) -> GistIndex:
    """The trigram GiST index that reads `SearchText(*fields)` in word-similarity distance
    order (`typed <<-> SearchText(*fields)` with a `LIMIT`)."""
    return GistIndex(OpClass(SearchText(*fields), name="gist_trgm_ops"), name=name)


def french_order(name: str) -> tuple[str, str]:
    """A sort key for names in French order whatever the database's collation: accents and case
    second ("Évry" before "Paris")."""
    plain = unicodedata.normalize("NFD", name)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold(), name

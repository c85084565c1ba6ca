"""Accent- and case-insensitive name search that an index can serve.

PostgreSQL's `unaccent()` is only STABLE (its dictionary could change), so no index may use it;
`connexions_unaccent(text)`, created by a migration of `connexions`, is the IMMUTABLE wrapper
that names the dictionary explicitly. `SearchText` is the one expression both the trigram GIN
indexes and the queries use, so the planner matches them."""

from django.contrib.postgres.indexes import GinIndex, OpClass
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

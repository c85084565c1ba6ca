from django.core.paginator import Paginator
from django.utils.functional import cached_property

DEFAULT_PAGE_SIZE = 25
# Lists count at most this many rows: past it they say "more than N" instead of scanning a
# whole large table for an exact COUNT(*) (docs/architecture.md, "Data at scale").
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator whose count stops at `COUNT_CAP` + 1 (a bounded `COUNT` over a `LIMIT`):
    `capped` says the list holds more than `COUNT_CAP` rows; its pages go as far as that."""

    @cached_property
    def count(self):
        if not hasattr(self.object_list, "query"):
            return len(self.object_list)
        rows = self.object_list
        if not rows.query.is_sliced:
            # Unordered: the count stops at the cap instead of ranking every match first (a
            # name search orders by similarity, which no index gives).
            rows = rows.order_by()
        return rows[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def cap(self) -> int:
        return COUNT_CAP


def paginate(request, queryset, per_page: int = DEFAULT_PAGE_SIZE):
    """The requested page of `queryset` (an out-of-range or invalid number gives the last/first)."""
    return CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))

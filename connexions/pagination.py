from django.core.paginator import Paginator

DEFAULT_PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = DEFAULT_PAGE_SIZE):
    """The requested page of `queryset` (an out-of-range or invalid number gives the last/first)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))

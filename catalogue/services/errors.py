"""The errors catalogue's services raise to refuse a stock operation."""

from django.utils.translation import gettext as _

from connexions.errors import DomainError


class StockError(DomainError):
    """A stock operation refused, with a message fit for the user."""


class OutOfStock(StockError):
    pass


def not_enough(product_name, site_name, available, wanted) -> OutOfStock:
    return OutOfStock(
        _("Not enough %(product)s at %(site)s: %(available)s available, %(wanted)s wanted.")
        % {"product": product_name, "site": site_name, "available": available, "wanted": wanted}
    )


class VoucherImportError(StockError):
    """The whole file is refused: `errors` lists (line number, reason)."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(_("The file was not imported: nothing has been added."))
        self.errors = errors


class StockChangedWhileCounting(StockError):
    """The stock of `products` moved (a sale, a transfer) between the count and its recording."""

    def __init__(self, products):
        super().__init__(_("The stock changed while counting: count again."))
        self.products = products

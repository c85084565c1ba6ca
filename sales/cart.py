"""The till's cart, kept in the session per site until the sale is confirmed. It reserves
nothing (DESIGN.md): it lists products, scanned device codes and quantities; checkout locks
and re-checks everything."""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from catalogue.enums import Tracking
from catalogue.models import Product
from sales.services import CartItem

SESSION_KEY = "sales_carts"


@dataclass
class Cart:
    site_id: int
    beneficiary_id: int | None = None
    items: list[dict] = field(default_factory=list)  # {"product": id, "quantity": n, "code": ""}
    token: str = field(default_factory=lambda: str(uuid.uuid4()))

    def add_device(self, product_id: int, code: str) -> bool:
        if any(item["code"] == code for item in self.items):
            return False
        self.items.append({"product": product_id, "quantity": 1, "code": code})
        return True

    def add_product(self, product: Product, quantity: int = 1) -> None:
        for item in self.items:
            if item["product"] == product.pk and not item["code"]:
                item["quantity"] += quantity
                return
        self.items.append({"product": product.pk, "quantity": quantity, "code": ""})

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.items):
            del self.items[index]


def load(request, site) -> Cart:
    stored = request.session.get(SESSION_KEY, {}).get(str(site.pk))
    return Cart(**stored) if stored else Cart(site_id=site.pk)


def save(request, cart: Cart) -> None:
    carts = request.session.get(SESSION_KEY, {})
    carts[str(cart.site_id)] = {
        "site_id": cart.site_id,
        "beneficiary_id": cart.beneficiary_id,
        "items": cart.items,
        "token": cart.token,
    }
    request.session[SESSION_KEY] = carts


def clear(request, site) -> None:
    save(request, Cart(site_id=site.pk))


@dataclass(frozen=True)
class CartLine:
    index: int
    product: Product
    quantity: int
    code: str

    @property
    def amount(self) -> Decimal:
        return self.product.solidarity_price * self.quantity

    @property
    def reference_amount(self) -> Decimal:
        compared = self.product.compared_price
        return (compared if compared is not None else self.product.solidarity_price) * self.quantity

    @property
    def credit(self) -> Decimal:
        return (self.product.face_value or Decimal("0")) * self.quantity


@dataclass(frozen=True)
class CartView:
    lines: list[CartLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def reference_total(self) -> Decimal:
        return sum((line.reference_amount for line in self.lines), Decimal("0.00"))

    @property
    def saving(self) -> Decimal:
        return max(self.reference_total - self.total, Decimal("0.00"))

    @property
    def operator_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal("0.00"))

    def quantities(self) -> dict:
        found = {}
        for line in self.lines:
            found[line.product] = found.get(line.product, 0) + line.quantity
        return found

    def items(self) -> list[CartItem]:
        return [
            CartItem(
                line.product,
                quantity=1 if line.product.tracking == Tracking.DEVICE else line.quantity,
                device_code=line.code,
            )
            for line in self.lines
        ]


def view(cart: Cart) -> CartView:
    """The cart's lines with their products, in one query."""
    products = Product.objects.select_related("operator").in_bulk(
        {item["product"] for item in cart.items}
    )
    lines = [
        CartLine(index, products[item["product"]], item["quantity"], item["code"])
        for index, item in enumerate(cart.items)
        if item["product"] in products
    ]
    return CartView(lines)

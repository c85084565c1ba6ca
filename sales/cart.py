"""The till's cart, kept in the session per site until the sale is confirmed. It reserves
nothing (docs/architecture.md, "Lock order"): it lists products, scanned device codes and
quantities; checkout locks and re-checks everything."""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from beneficiaries.selectors import beneficiary_by_member_number
from catalogue.enums import DeviceStatus, Tracking
from catalogue.models import Device, Product
from connexions.codes import normalise_scanned_code
from connexions.errors import DomainError
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


class CartRefusal(DomainError):
    """What was scanned or chosen cannot go into the cart; the cart is unchanged."""


def scan(cart: Cart, raw: str, *, site, user) -> Beneficiary | None:
    """One field for the scanner: a member card sets the customer (returned), an IMEI or serial
    number adds that device (it must be in stock at this site)."""
    code = normalise_scanned_code(raw)
    if not code:
        raise CartRefusal(_("Scan a member card or a device."))
    # A device in stock here first: a short all-digit serial looks like a member number.
    device = (
        Device.objects.filter(Q(imei=code) | Q(serial=code), site=site)
        .filter(status=DeviceStatus.IN_STOCK)
        .select_related("product")
        .first()
    )
    if device is not None:
        if not device.product.is_active:
            raise CartRefusal(
                _("%(product)s is no longer sold.") % {"product": device.product.name}
            )
        if not cart.add_device(device.product_id, device.code):
            raise CartRefusal(_("This device is already in the cart."))
    elif Beneficiary.id_from_number(code) is not None or code.startswith(Beneficiary.NUMBER_PREFIX):
        beneficiary = beneficiary_by_member_number(code, user=user)
        if beneficiary is None:
            raise CartRefusal(_("No beneficiary has the number %(code)s.") % {"code": code})
        cart.beneficiary_id = beneficiary.pk
        return beneficiary
    else:
        raise CartRefusal(_("Device %(code)s is not in stock at this site.") % {"code": code})
    return None


def add(cart: Cart, product: Product, raw_quantity: str) -> None:
    """Adds a product chosen on screen; devices are added by scanning them."""
    try:
        quantity = int(raw_quantity)
    except ValueError:
        quantity = 0
    if product.tracking == Tracking.DEVICE:
        raise CartRefusal(_("Scan the IMEI or serial number of the device."))
    if not 1 <= quantity <= 50:
        raise CartRefusal(_("Quantities must be at least 1."))
    cart.add_product(product, quantity)


def load(request, site) -> Cart:
    stored = request.session.get(SESSION_KEY, {}).get(str(site.pk))
    return Cart(**stored) if stored else Cart(site_id=site.pk)


def load_or_start(request, site) -> Cart:
    """The stored cart, or a new one stored at once (its token is in the payment form): the
    session is written only when a cart starts."""
    stored = request.session.get(SESSION_KEY, {}).get(str(site.pk))
    if stored:
        return Cart(**stored)
    cart = Cart(site_id=site.pk)
    save(request, cart)
    return cart


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


def products_of(cart: Cart, *, also: int | None = None) -> dict[int, Product]:
    """The cart's products by id (and the product `also`, about to be added), in one query."""
    ids = {item["product"] for item in cart.items}
    if also is not None:
        ids.add(also)
    return Product.objects.select_related("operator").in_bulk(ids)


def view(cart: Cart, *, products: dict[int, Product] | None = None) -> CartView:
    """The cart's lines with their products, in one query (none when the caller has them)."""
    if products is None:
        products = products_of(cart)
    lines = [
        CartLine(index, products[item["product"]], item["quantity"], item["code"])
        for index, item in enumerate(cart.items)
        if item["product"] in products
    ]
    return CartView(lines)

"""What each till step costs (docs/architecture.md, "The till's requests"): its queries, pinned at
two data sizes; the products left out of a cart step's answer; one history context per request.
The same steps on the demo data: tests/demo/test_till_queries.py."""

import pytest
from pghistory.models import Context

from catalogue.models import Voucher
from sales.models import Sale
from sales.services import CartItem
from tests.catalogue.factories import PurchaseLimitFactory
from tests.conftest import client_for
from tests.sales.factories import buyer, checkout, open_till, stocked_site
from tests.sales.till_steps import HTMX, counts, till_steps

pytestmark = pytest.mark.django_db

# In these tests each write of the session and each service's transaction is a savepoint of the
# test's transaction: two statements more than BEGIN and COMMIT are in production.
TILL_STEPS = {"scan card": 9, "add": 9, "scan device": 10, "remove": 9, "confirm": 24}


@pytest.mark.parametrize("size", [1, 5])
def test_each_till_step_makes_a_fixed_number_of_queries(
    client, site_a, counsellor_a, manager_a, size
):
    open_till(site_a, manager_a)
    topup, phone, devices = stocked_site(site_a, manager_a, vouchers=10 * size, phones=size)
    PurchaseLimitFactory(max_count=size + 5)  # the limits count the person's purchases
    person = buyer()
    for _ in range(size):
        checkout(site_a, person, [CartItem(topup)], manager_a)
    client_for(client, counsellor_a)
    steps = till_steps(client, person=person, topup=topup, device=devices[-1])
    assert counts(steps) == TILL_STEPS, steps
    assert Sale.objects.filter(beneficiary=person).count() == size + 1


def test_a_cart_step_leaves_the_products_to_the_page(client, site_a, counsellor_a, manager_a):
    open_till(site_a, manager_a)
    topup, _, _ = stocked_site(site_a, manager_a, vouchers=3, phones=0)
    client_for(client, counsellor_a)
    page = client.get("/caisse/").content.decode()
    assert 'id="till-products"' in page and topup.name in page
    client.post("/caisse/scanner/", {"code": buyer().scan_code}, **HTMX)
    panel = client.post("/caisse/panier/ajouter/", {"product": topup.pk}, **HTMX).content.decode()
    # The cart shows the top-up; the products section is a placeholder the page keeps.
    assert '<section id="till-products" hx-preserve>' in panel
    assert "topup-buttons" not in panel and topup.name in panel


def test_a_checkout_is_one_history_context(client, site_a, counsellor_a, manager_a):
    open_till(site_a, manager_a)
    topup, _, devices = stocked_site(site_a, manager_a, vouchers=3, phones=1)
    client_for(client, counsellor_a)
    till_steps(client, person=buyer(), topup=topup, device=devices[0])
    sale = Sale.objects.get()
    voucher = Voucher.objects.get(sale_reference=f"sales.sale:{sale.pk}")
    # The rows the confirmation changed are in the one context of its request, with its user.
    context = Context.objects.get(metadata__url="/caisse/encaisser/")
    assert context.metadata["user"] == counsellor_a.pk
    assert voucher.events.filter(pgh_context=context).exists()

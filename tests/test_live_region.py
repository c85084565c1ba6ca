"""The page's one live region (docs/architecture.md, front end): htmx answers swap their message
into `#live-region` (out of band, its content only), never replace it, and carry no live region
of their own."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.catalogue.factories import ProductFactory, make_imei
from tests.conftest import client_for
from tests.sales.factories import buyer, open_till, stocked_site

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LIVE = "innerHTML:#live-region"


class Swaps(HTMLParser):
    """The parts of an answer htmx swaps out of band (`hx-swap-oob` -> text), and the elements
    that would make a live region of their own."""

    def __init__(self, html):
        super().__init__()
        self.oob: dict[str, str] = {}
        self.live: list[dict] = []
        self.ids: list[str] = []
        self._open: list[tuple[str, list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "aria-live" in attrs or attrs.get("role") in {"alert", "status", "log"}:
            self.live.append(attrs)
        if tag in {"br", "input", "img", "meta", "link", "hr"}:
            return
        swap = attrs.get("hx-swap-oob")
        if swap:
            target = swap if ":" in swap else f"outerHTML:#{attrs['id']}"
            self._open.append((target, []))
        else:
            self._open.append(("", []))

    def handle_endtag(self, tag):
        if tag in {"br", "input", "img", "meta", "link", "hr"} or not self._open:
            return
        target, text = self._open.pop()
        if target:
            self.oob[target] = " ".join(" ".join(text).split())
        if self._open:
            self._open[-1][1].extend(text)

    def handle_data(self, data):
        if self._open:
            self._open[-1][1].append(data)


@pytest.fixture
def shop(site_a, manager_a):
    open_till(site_a, manager_a)
    return stocked_site(site_a, manager_a, vouchers=2, phones=1)


def test_the_till_page_has_one_live_region(client, counsellor_a, shop):
    page = Swaps(client_for(client, counsellor_a).get("/caisse/").content.decode())
    assert page.ids.count("live-region") == 1
    assert [attrs.get("id") for attrs in page.live if "aria-live" in attrs] == ["live-region"]


def test_a_scan_says_its_refusal_through_the_live_region(client, counsellor_a, site_a, shop):
    client_for(client, counsellor_a)
    answer = Swaps(client.post("/caisse/scanner/", {"code": "123"}, **HTMX).content.decode())
    # The panel is replaced (its own swap); the live region only gets new text.
    assert answer.ids[0] == "till-panel"
    assert "live-region" not in answer.ids
    assert answer.live == []
    assert answer.oob[LIVE]
    # The next scan, accepted, empties the region: the old refusal is not left behind.
    person = buyer(enrolled_site=site_a)
    answer = Swaps(
        client.post("/caisse/scanner/", {"code": person.scan_code}, **HTMX).content.decode()
    )
    assert answer.oob == {LIVE: ""}


def test_a_payment_error_is_read_out_by_the_live_region(client, counsellor_a, site_a, shop):
    topup, _, _ = shop
    client_for(client, counsellor_a)
    client.post("/caisse/scanner/", {"code": buyer(enrolled_site=site_a).scan_code}, **HTMX)
    client.post("/caisse/panier/ajouter/", {"product": topup.pk}, **HTMX)
    html = client.post("/caisse/encaisser/", {"cash_amount": "1"}, **HTMX).content.decode()
    answer = Swaps(html)
    assert answer.live == []
    assert answer.oob[LIVE]  # the payment form's errors, said once more in the live region


def test_the_customer_search_says_how_many_were_found(client, counsellor_a, site_a, shop):
    person = buyer(enrolled_site=site_a, last_name="Zébulon")
    client_for(client, counsellor_a)
    url = reverse("sales:customer_search")
    html = client.get(url, {"q": "Zébulon"}, **HTMX).content.decode()
    assert person.number in html
    answer = Swaps(html)
    assert answer.oob == {LIVE: "1 personne trouvée."}
    assert answer.live == []
    answer = Swaps(client.get(url, {"q": "Personne-de-ce-nom"}, **HTMX).content.decode())
    assert answer.oob == {LIVE: "Aucune personne trouvée."}


def test_a_received_device_is_said_by_the_live_region(client, manager_a, site_a):
    phone = ProductFactory(phone=True)
    client_for(client, manager_a)
    page = Swaps(client.get(reverse("catalogue:device_receive")).content.decode())
    assert [attrs.get("id") for attrs in page.live if "aria-live" in attrs] == ["live-region"]
    imei = make_imei()
    data = {"product": phone.pk, "grade": "A", "code": imei}
    answer = Swaps(client.post(reverse("catalogue:device_receive"), data, **HTMX).content.decode())
    assert answer.oob[LIVE] == f"{imei} réceptionné."
    assert answer.oob["outerHTML:#scan-feedback"] == f"{imei} réceptionné."  # what is seen
    assert answer.live == []
    wrong = imei[:-1] + str((int(imei[-1]) + 1) % 10)
    answer = Swaps(
        client.post(
            reverse("catalogue:device_receive"), {**data, "code": wrong}, **HTMX
        ).content.decode()
    )
    assert "chiffre de contrôle" in answer.oob[LIVE]
    assert answer.live == []

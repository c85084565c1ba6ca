"""Finding people at scale: names with or without accents and with one typo (closest first),
exact member numbers and phones, and lists that never count past their cap."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from beneficiaries import selectors
from beneficiaries.search import closest_names, name_matches
from connexions import pagination
from connexions.search import search_text
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "helene": BeneficiaryFactory(
            first_name="Hélène", last_name="Lefèvre", phone="+33612345678"
        ),
        "helena": BeneficiaryFactory(first_name="Héléna", last_name="Lefort"),
        "other": BeneficiaryFactory(first_name="Mamadou", last_name="Diallo"),
    }


@pytest.mark.parametrize("typed", ["Lefèvre", "lefevre", "LEFEVRE", "Lefevrr", "helene lefevre"])
def test_name_with_or_without_accents_and_one_typo(counsellor_a, people, typed):
    found = list(selectors.beneficiary_search(counsellor_a, typed))
    assert found[0] == people["helene"]
    assert people["other"] not in found


def test_the_closest_name_comes_first(counsellor_a, people):
    found = list(selectors.beneficiary_search(counsellor_a, "Héléna Lefort"))
    assert found[0] == people["helena"]


@pytest.mark.parametrize(
    "typed", ["06 12 34 56 78", "0612345678", "+33 6 12 34 56 78", "612345678"]
)
def test_phone_in_any_written_form_is_an_exact_match(counsellor_a, people, typed):
    assert list(selectors.beneficiary_search(counsellor_a, typed)) == [people["helene"]]


def test_number_and_phone_searches_use_equality_only(counsellor_a, people):
    with CaptureQueriesContext(connection) as queries:
        list(selectors.beneficiary_search(counsellor_a, people["other"].number))
        list(selectors.beneficiary_search(counsellor_a, "06 12 34 56 78"))
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "LIKE" not in sql.upper()


def test_the_name_search_is_served_by_its_two_trigram_indexes(counsellor_a, people):
    typed = search_text("lefevre")
    with connection.cursor() as cursor:
        # A tiny table: forbid the plain scans so that the test shows the indexes can serve it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        matches = name_matches(typed).explain()
        cursor.execute("SET LOCAL enable_sort = off")
        closest = closest_names(typed)[:10].explain()
    assert "beneficiary_name_trgm" in matches
    # Read in distance order from the GiST index, which no filter of the GIN's kind uses.
    assert "beneficiary_name_closest" in closest and "Order By" in closest
    assert "beneficiary_name_closest" not in name_matches(typed).explain()


def test_past_the_cap_the_closest_names_are_ranked(counsellor_a, people, monkeypatch):
    """More matches than a list shows: the closest COUNT_CAP + 1, read in distance order, are
    ranked; the exact name comes first whatever the number of near ones."""
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    BeneficiaryFactory.create_batch(6, first_name="Marie", last_name="Lefevra")
    found = list(selectors.beneficiary_search(counsellor_a, "lefevre"))
    assert found[0] == people["helene"] and len(found) == 4
    assert people["other"] not in found
    page = pagination.paginate(
        RequestFactory().get("/"), selectors.beneficiary_search(counsellor_a, "lefevre")
    )
    assert page.paginator.capped


def test_a_list_counts_no_further_than_its_cap(counsellor_a, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    BeneficiaryFactory.create_batch(5)
    request = RequestFactory().get("/", {"page": "2"})
    page = pagination.paginate(request, selectors.beneficiary_search(counsellor_a), per_page=2)
    assert page.paginator.capped and page.paginator.count == 4 and page.number == 2
    small = pagination.paginate(request, selectors.beneficiary_search(counsellor_a)[:2], 25)
    assert not small.paginator.capped and small.paginator.count == 2


@pytest.mark.parametrize("count", [3, 30])
def test_search_pages_query_count_is_flat(
    client, counsellor_a, people, count, django_assert_num_queries
):
    BeneficiaryFactory.create_batch(count, last_name="Lefèvre")
    client_for(client, counsellor_a)
    client.get("/")  # the login's first request writes the session
    for typed in [people["other"].number, "06 12 34 56 78"]:
        # 5 for the page, and the audit row of the people listed (one insert)
        with django_assert_num_queries(6):
            response = client.get("/beneficiaires/", {"q": typed})
        assert response.context["page_obj"].object_list
    for typed in ["lefevre", "Lefevrr"]:
        # and the ids of the people matching the name, first
        with django_assert_num_queries(7):
            response = client.get("/beneficiaires/", {"q": typed})
        assert response.context["page_obj"].object_list
    # the till's lookup: the ids, 4, and the audit row of the people listed
    with django_assert_num_queries(6):
        client.get("/caisse/client/recherche/", {"q": "lefevre"})

"""The generic search box every list's filters extend."""

import pytest
from django.http import QueryDict

from beneficiaries.forms import ReferralFilterForm
from catalogue.forms import ListFilterForm
from connexions.forms import SEARCH_MAX_LENGTH, SearchForm, search_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Dupont  ", "Dupont"),
        ("Dup\x00ont", "Dupont"),
        ("\x00", ""),
        ("Aïcha\x1b\x7f", "Aïcha"),
        ("Jean\tDupont\n", "JeanDupont"),
        ("", ""),
        (None, ""),
        ("é" * 150, "é" * SEARCH_MAX_LENGTH),
        ("a" * 99 + " b", "a" * 99),  # capped, then trimmed again
    ],
)
def test_search_text_drops_control_characters_trims_and_caps(raw, expected):
    assert search_text(raw) == expected


def test_a_search_box_is_never_invalid():
    form = SearchForm(QueryDict(f"q=%00{'x' * 500}"))
    assert form.is_valid()
    assert form.query() == "x" * SEARCH_MAX_LENGTH


def test_no_search_is_an_empty_query():
    assert SearchForm(QueryDict()).query() == ""


def test_the_search_is_shown_back_cleaned():
    form = ReferralFilterForm(QueryDict("q=+Mar%00tin+&status=pending"))
    assert form.is_valid()
    assert form.cleaned_data["q"] == "Martin"
    assert form["q"].value() == "Martin"
    assert 'value="Martin"' in str(form["q"])


def test_list_filters_extend_the_search_box():
    filters = ListFilterForm(QueryDict("q=%00Recharge&kind=nope"), choices={"kind": ["phone"]})
    assert filters.values() == {"q": "Recharge", "kind": ""}

import unicodedata
from datetime import date

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from connexions.models import User

_ID = forms.IntegerField(min_value=1, max_value=2**63 - 1)


def id_or_404(data, name: str) -> int:
    """The object id in request data (`request.GET` or `request.POST`) read through a form
    field: anything but a whole number in range is a 404, never a server error."""
    try:
        return _ID.clean(data.get(name))
    except ValidationError as exc:
        raise Http404 from exc


# Every date typed in a form or a query string: a slip such as 9999 or 0001 would otherwise
# overflow date arithmetic (a period's end + 1 day, a weekly series) into a server error.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def date_in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def validate_date_range(day: date) -> None:
    if not date_in_range(day):
        raise ValidationError(_("Enter a date between 1900 and 2199."), code="date_range")


class DateInput(forms.DateInput):
    """The browser's date picker. Its value must be ISO (2026-11-30): given the French format
    (30/11/2026), the field shows blank."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    """The project's date field: years 1900 to 2199 only, with the browser's date picker."""

    widget = DateInput
    default_validators = [validate_date_range]


_DATE = DateField()


def date_param(data, name: str) -> date | None:
    """A date in request data read through `DateField`: None when missing, unreadable or out of
    range."""
    try:
        return _DATE.clean(data.get(name))
    except ValidationError:
        return None


SEARCH_MAX_LENGTH = 100


def search_text(value) -> str:
    """What a search box may hand to a query: without control characters (PostgreSQL refuses a
    NUL byte), trimmed, at most `SEARCH_MAX_LENGTH` characters."""
    text = "".join(ch for ch in str(value or "") if unicodedata.category(ch) != "Cc")
    return text.strip()[:SEARCH_MAX_LENGTH].rstrip()


class SearchField(forms.CharField):
    """A search box: never invalid, whatever is typed or pasted, and shown back as searched."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=SEARCH_MAX_LENGTH, **kwargs)

    def to_python(self, value):
        return search_text(value)

    def prepare_value(self, value):
        return search_text(value)


class SearchForm(forms.Form):
    """A search box read from the query string (`q`); each list's filter form extends it."""

    q = SearchField(label=_("Search"))

    def query(self) -> str:
        """The text searched for, "" when none."""
        return self.cleaned_data["q"] if self.is_valid() else ""


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("Incorrect e-mail address or password. Please try again."),
        "inactive": _("This account is inactive."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "text"}
        ),
    )


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "kind", "agency")


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

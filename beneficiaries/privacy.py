"""The privacy registry: every app that stores data about a person says here how to find the
person's last contact, export their data and anonymise it, so that retention, the subject-access
export and erasure reach every table without this app importing the others (docs/architecture.md,
"Personal data").

Register from your app's `AppConfig.ready`::

    register_person_data(PersonData(
        key="workshops.appointments",
        title=_("Appointments"),
        models=(Appointment,),            # every model of yours with a FK to Beneficiary/Referral
        last_contact=last_contact,        # (person_ids: list[int]) -> {person_id: date}
        export=export,                    # (beneficiary) -> JSON-ready list or dict
        anonymise=anonymise,              # (beneficiary) -> None, in the caller's transaction
    ))

`anonymise` blanks the free text and identity your rows hold about the person; it keeps ids,
dates and amounts (every past figure must stay unchanged) and never deletes what a sale or a
figure points at. It runs inside the anonymisation transaction, with the person's row locked.
A test fails when a model pointing at a beneficiary or a referral is in no provider's `models`.
"""

import hashlib
import hmac
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import salted_hmac


@dataclass(frozen=True)
class PersonData:
    key: str
    title: str
    models: tuple
    last_contact: Callable  # (person_ids: list[int]) -> dict[int, date]
    export: Callable  # (beneficiary) -> JSON-ready data
    anonymise: Callable  # (beneficiary) -> None
    order: int = 100


_providers: dict[str, PersonData] = {}


def register_person_data(provider: PersonData) -> None:
    _providers[provider.key] = provider


def unregister_person_data(key: str) -> None:
    _providers.pop(key, None)


def person_data_providers() -> list[PersonData]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.key))


def latest_by_person(*sources) -> dict[int, date]:
    """`{person_id: latest day}` over `(queryset, person_field, date_field)` sources, one query
    each; a datetime counts as its local day. For providers' `last_contact`."""
    found: dict[int, date] = {}
    for queryset, person_field, date_field in sources:
        rows = queryset.values(person_field).annotate(latest=Max(date_field))
        for row in rows.filter(latest__isnull=False):
            day = row["latest"]
            if isinstance(day, datetime):
                day = timezone.localdate(day)
            person = row[person_field]
            if person not in found or day > found[person]:
                found[person] = day
    return found


def last_contacts(person_ids: list[int]) -> dict[int, date]:
    """The latest contact of each person, over every provider (a person with none is absent)."""
    latest: dict[int, date] = {}
    for provider in person_data_providers():
        for person_id, day in provider.last_contact(person_ids).items():
            if day is not None and (person_id not in latest or day > latest[person_id]):
                latest[person_id] = day
    return latest


def person_export(beneficiary) -> dict:
    """Everything the providers hold about the person, by provider key (JSON-ready)."""
    return {
        provider.key: {"title": str(provider.title), "data": provider.export(beneficiary)}
        for provider in person_data_providers()
    }


def anonymise_everywhere(beneficiary) -> None:
    for provider in person_data_providers():
        provider.anonymise(beneficiary)


# --- keyed digests kept after anonymisation --------------------------------------------------


def _key() -> bytes:
    if settings.PRIVACY_DIGEST_KEY:
        return settings.PRIVACY_DIGEST_KEY.encode()
    return salted_hmac("connexions.privacy.digest", "key", algorithm="sha256").digest()


def normalise_text(value: str) -> str:
    """Lower case, no accents, single spaces: `Élodie  DUPONT` and `elodie dupont` match."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("-", " ").split())


def _digest(text: str) -> str:
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()


def identity_digest(first_name: str, last_name: str, birth_date: date) -> str:
    name = normalise_text(f"{first_name} {last_name}")
    return _digest(f"identity|{name}|{birth_date.isoformat()}")


def phone_digest(phone) -> str:
    """Digest of a phone number in E.164 form, or "" for no phone."""
    text = getattr(phone, "as_e164", None) or (str(phone) if phone else "")
    return _digest(f"phone|{text}") if text else ""

"""Text messages, like Django's e-mail: `send_sms(to, text)` goes through the backend named by
the `SMS_BACKEND` setting.

- `connexions.sms.ConsoleBackend` (default): writes to standard output that a message was sent,
  with the number masked and the text's length only (standard output ends in the logs).
- `connexions.sms.LocmemBackend` (tests): appends it to `connexions.sms.outbox`.
- `connexions.sms.BrevoBackend`: Brevo's transactional SMS HTTP API (`BREVO_API_KEY`,
  `SMS_SENDER`, `BREVO_SMS_URL`, `SMS_TIMEOUT`).

Numbers are given in E.164 (`+33612345678`). A refused or failed send raises `SmsError`, whose
message never contains the number or the text.
"""

import json
import sys
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider refused or could not take the message."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    provider_id: str = ""


outbox: list[SmsMessage] = []


class BaseBackend:
    def send(self, to: str, text: str) -> SmsMessage:
        raise NotImplementedError


def masked_number(number: str) -> str:
    """`+33612345678` as `+33 6 ** ** ** 78`: enough to tell messages apart in a log."""
    number = str(number)
    if number.startswith("+33") and len(number) == 12:
        return f"+33 {number[3]} ** ** ** {number[-2:]}"
    return f"{number[:2]} ** {number[-2:]}"


class ConsoleBackend(BaseBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, to, text):
        self.stream.write(f"SMS to {masked_number(to)} ({len(text)} characters)\n")
        self.stream.flush()
        return SmsMessage(to, text)


class LocmemBackend(BaseBackend):
    def send(self, to, text):
        message = SmsMessage(to, text)
        outbox.append(message)
        return message


# GSM 03.38: text made only of these characters travels in 160-character segments; any other
# character (guillemets, "ê", "—") makes the whole message Unicode, 70 characters a segment.
GSM_7BIT = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def needs_unicode(text: str) -> bool:
    return not set(text) <= GSM_7BIT


# The HTTP call, a module attribute so that tests replay recorded responses without network.
urlopen = urllib.request.urlopen


class BrevoBackend(BaseBackend):
    """POST https://api.brevo.com/v3/transactionalSMS/send with the account's API key;
    201 answers `{"messageId": ...}`, errors answer `{"code": ..., "message": ...}`."""

    def __init__(self, api_key=None, sender=None, url=None, timeout=None):
        self.api_key = api_key or settings.BREVO_API_KEY
        self.sender = sender or settings.SMS_SENDER
        self.url = url or settings.BREVO_SMS_URL
        self.timeout = timeout or settings.SMS_TIMEOUT
        if not self.api_key:
            raise SmsError("BREVO_API_KEY is not set.")

    def send(self, to, text):
        body = {
            "sender": self.sender,
            "recipient": to.lstrip("+"),
            "content": text,
            "type": "transactional",
            "unicodeEnabled": needs_unicode(text),
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "accept": "application/json",
                "content-type": "application/json",
                "api-key": self.api_key,
            },
        )
        try:
            with urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise SmsError(
                f"Brevo refused the SMS: HTTP {error.code} {_error_code(error)}"
            ) from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise SmsError(f"Brevo could not be reached: {error.__class__.__name__}") from None
        return SmsMessage(to, text, str(answer.get("messageId", "")))


def _error_code(error: urllib.error.HTTPError) -> str:
    """Brevo's error code (`invalid_parameter`, `unauthorized`, `not_enough_credits`...), not its
    message, which may repeat the number."""
    try:
        return str(json.loads(error.read() or b"{}").get("code", ""))
    except ValueError:
        return ""


def get_backend(path: str | None = None) -> BaseBackend:
    return import_string(path or settings.SMS_BACKEND)()


def send_sms(to: str, text: str) -> SmsMessage:
    return get_backend().send(str(to), text)


# Characters of the GSM 03.38 extension table: allowed, but each takes two of the 160.
GSM_7BIT_EXTENSION = set("^{}\\[~]|€")
SMS_SEGMENT = 160

# Typography that has no GSM-7 form, and its nearest plain character.
_PLAIN = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "—": "-",
        "–": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
    }
)


def to_gsm7(text: str) -> str:
    """`text` in GSM-7 characters only, so that an SMS keeps 160 characters a segment: accents
    that GSM-7 lacks lose their accent ("Aïcha-Éloïse" becomes "Aicha-Éloise"), typographic
    quotes and dashes become plain ones; anything else unknown becomes "?"."""
    out = []
    for char in text.translate(_PLAIN):
        if char in GSM_7BIT:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and set(base) <= GSM_7BIT else "?")
    return "".join(out)


def gsm7_length(text: str) -> int:
    """Characters an SMS of GSM-7 `text` takes (extension characters count twice)."""
    return len(text) + sum(char in GSM_7BIT_EXTENSION for char in text)


def fits_one_segment(text: str) -> bool:
    if needs_unicode(text):
        return len(text) <= 70
    return gsm7_length(text) <= SMS_SEGMENT

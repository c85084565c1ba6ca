"""SMS backends: console, in-memory, and Brevo's HTTP API replayed from recorded responses."""

import io
import json
import urllib.error
from pathlib import Path

import pytest

from connexions import sms

RECORDINGS = json.loads((Path(__file__).parent / "recordings" / "brevo_sms.json").read_text())


def test_locmem_backend_is_the_test_default():
    message = sms.send_sms("+33612345678", "Bonjour")
    assert sms.outbox == [message]
    assert (message.to, message.text) == ("+33612345678", "Bonjour")


def test_console_backend_writes_the_message_masked(settings):
    """The default backend writes to the server's logs: never the number nor the text."""
    stream = io.StringIO()
    message = sms.ConsoleBackend(stream=stream).send("+33612345678", "Rappel : atelier")
    assert "SMS to +33 6 ** ** ** 78 (16 characters)" in stream.getvalue()
    assert "12345" not in stream.getvalue() and "Rappel" not in stream.getvalue()
    assert message.text == "Rappel : atelier"
    assert sms.masked_number("+3212") == "+3 ** 12"
    settings.SMS_BACKEND = "connexions.sms.ConsoleBackend"
    assert isinstance(sms.get_backend(), sms.ConsoleBackend)


class _Replay:
    """Stands for urllib's urlopen: records the request, answers a recorded response."""

    def __init__(self, name):
        self.recording = RECORDINGS[name]
        self.requests = []

    def __call__(self, request, timeout):
        self.requests.append((request, timeout))
        body = json.dumps(self.recording["body"]).encode()
        if self.recording["status"] >= 400:
            raise urllib.error.HTTPError(
                request.full_url, self.recording["status"], "error", {}, io.BytesIO(body)
            )
        return io.BytesIO(body)


@pytest.fixture
def brevo(settings):
    settings.SMS_BACKEND = "connexions.sms.BrevoBackend"
    settings.BREVO_API_KEY = "xkeysib-test"
    settings.SMS_SENDER = "Connexions"


def test_brevo_sends_the_documented_request(brevo, monkeypatch):
    replay = _Replay("created")
    monkeypatch.setattr(sms, "urlopen", replay)
    message = sms.send_sms("+33612345678", "Rappel : atelier « Lire une facture » à 14h00")
    request, timeout = replay.requests[0]
    assert request.full_url == "https://api.brevo.com/v3/transactionalSMS/send"
    assert request.get_method() == "POST"
    assert request.get_header("Api-key") == "xkeysib-test"
    assert request.get_header("Content-type") == "application/json"
    assert json.loads(request.data) == {
        "sender": "Connexions",
        "recipient": "33612345678",
        "content": "Rappel : atelier « Lire une facture » à 14h00",
        "type": "transactional",
        "unicodeEnabled": True,
    }
    assert timeout == 10
    assert message.provider_id == "1511882900176220"
    assert sms.outbox == []


@pytest.mark.parametrize(
    ("recording", "code"),
    [
        ("invalid_number", "400 invalid_parameter"),
        ("bad_key", "401 unauthorized"),
        ("no_credits", "402 not_enough_credits"),
    ],
)
def test_brevo_refusals_raise_without_personal_data(brevo, monkeypatch, recording, code):
    monkeypatch.setattr(sms, "urlopen", _Replay(recording))
    with pytest.raises(sms.SmsError) as refused:
        sms.send_sms("+33612345678", "Bonjour")
    assert code in str(refused.value)
    assert "6 12 34" not in str(refused.value)
    assert "Bonjour" not in str(refused.value)


def test_plain_french_text_stays_in_seven_bit_segments():
    assert not sms.needs_unicode('Rappel : atelier "Lire une facture" à 14h00, 6 rue Archereau.')
    assert sms.needs_unicode("Atelier « Se protéger en ligne »")


def test_brevo_unreachable(brevo, monkeypatch):
    def down(request, timeout):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(sms, "urlopen", down)
    with pytest.raises(sms.SmsError, match="could not be reached"):
        sms.send_sms("+33612345678", "Bonjour")


def test_brevo_needs_an_api_key(settings):
    settings.SMS_BACKEND = "connexions.sms.BrevoBackend"
    settings.BREVO_API_KEY = ""
    with pytest.raises(sms.SmsError, match="BREVO_API_KEY"):
        sms.get_backend()

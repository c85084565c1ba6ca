import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from connexions import twofactor
from connexions.models import AuditEvent, User
from tests.conftest import client_for, second_factor_device, totp_code
from tests.connexions.factories import UserFactory

VERIFY = "/connexion/double-facteur/"
ENROL = "/connexion/double-facteur/activation/"
BACKUP_CODES = "/connexion/double-facteur/codes-de-secours/"


def password_login(client, user, password):
    response = client.post("/connexion/", {"username": user.email, "password": password})
    assert response.status_code == 302
    return client


def test_admin_without_device_is_sent_to_enrolment_after_the_password(
    client, programme_admin, password
):
    password_login(client, programme_admin, password)
    for path in ["/", "/admin/", "/admin/connexions/user/", "/impact/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{ENROL}?next="), path


def test_admin_with_device_must_give_a_code_before_any_page(client, programme_admin, password):
    device = second_factor_device(programme_admin)
    password_login(client, programme_admin, password)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=/admin/"

    wrong = client.post(VERIFY, {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 200
    assert "Ce code est faux ou déjà utilisé" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    # django-otp makes a device wait a little after each failure: skip the wait.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)

    right = client.post(VERIFY, {"code": totp_code(device), "next": "/admin/"})
    assert right.status_code == 302
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_menu_stays_hidden_until_the_second_factor(client, programme_admin, password):
    device = second_factor_device(programme_admin)
    password_login(client, programme_admin, password)
    page = client.get(VERIFY).content.decode()
    assert 'href="/impact/"' not in page
    assert 'href="/caisse/"' not in page

    client.post(VERIFY, {"code": totp_code(device), "next": "/"})
    assert 'href="/impact/"' in client.get("/").content.decode()


def test_verification_ignores_an_outside_next_address(client, programme_admin, password):
    device = second_factor_device(programme_admin)
    password_login(client, programme_admin, password)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_enrolment_shows_qr_code_and_key_then_backup_codes_once(client, programme_admin, password):
    password_login(client, programme_admin, password)
    page = client.get(ENROL)
    content = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in content and "style=" not in content  # the CSP forbids style attributes
    device = TOTPDevice.objects.get(user=programme_admin, confirmed=False)
    assert twofactor.secret_text(device) in content
    assert client.get(ENROL).content.decode().count(twofactor.secret_text(device)) == 1

    assert client.post(ENROL, {"code": "123456"}).status_code == 200
    confirmed = client.post(ENROL, {"code": totp_code(device)})
    assert confirmed["Location"] == BACKUP_CODES
    codes = list(StaticDevice.objects.get(user=programme_admin).token_set.values_list("token"))
    shown = client.get(BACKUP_CODES).content.decode()
    assert len(codes) == twofactor.BACKUP_CODE_COUNT
    assert all(code in shown for (code,) in codes)
    assert client.get(BACKUP_CODES)["Location"] == "/"  # shown once
    assert client.get("/admin/").status_code == 200  # enrolling counts as the second factor
    assert client.get(ENROL)["Location"] == "/"  # no second enrolment over the first
    assert AuditEvent.objects.filter(actor=programme_admin, action="auth.second_factor.enrolled")


def test_a_backup_code_opens_one_login(client, programme_admin, password):
    second_factor_device(programme_admin)
    backup = StaticDevice.objects.create(user=programme_admin, name="Codes de secours")
    backup.token_set.create(token="abcd2345")
    password_login(client, programme_admin, password)
    assert client.post(VERIFY, {"code": " ABCD 2345 "})["Location"] == "/"
    client.post("/deconnexion/")
    password_login(client, programme_admin, password)
    assert client.post(VERIFY, {"code": "abcd2345"}).status_code == 200  # used up


def test_logout_stays_open_before_the_second_factor(client, programme_admin, password):
    second_factor_device(programme_admin)
    password_login(client, programme_admin, password)
    assert client.post("/deconnexion/")["Location"] == "/connexion/"
    assert client.get("/")["Location"].startswith("/connexion/?next=")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failed_codes_count_against_the_lockout(client, programme_admin, password):
    device = second_factor_device(programme_admin)
    password_login(client, programme_admin, password)
    assert client.post(VERIFY, {"code": "000000"}).status_code == 200
    assert client.post(VERIFY, {"code": "000001"}).status_code == 200
    locked = client.post(VERIFY, {"code": "000002"})
    assert locked.status_code == 429
    assert "Trop de tentatives échouées" in locked.content.decode()
    assert client.get("/")["Location"].startswith("/connexion/")  # logged out
    # Neither the password nor a right code gets through until an admin unlocks.
    again = client.post("/connexion/", {"username": programme_admin.email, "password": password})
    assert again.status_code == 429
    assert TOTPDevice.objects.get(pk=device.pk).last_t == -1


def test_demo_device_is_refused_with_debug_off(client, programme_admin, password, settings):
    device = TOTPDevice.objects.create(
        user=programme_admin, name="démo", key=twofactor.DEMO_KEY, confirmed=True
    )
    password_login(client, programme_admin, password)
    refused = client.post(VERIFY, {"code": totp_code(device)})
    assert refused.status_code == 200
    assert "appareil de démonstration public" in refused.content.decode()
    assert client.get("/admin/").status_code == 302

    settings.DEBUG = True
    assert client.post(VERIFY, {"code": totp_code(device)})["Location"] == "/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("required", [False, True])
def test_site_managers_need_it_only_when_the_setting_says(
    client, manager_a, counsellor_a, password, settings, required
):
    settings.TWO_FACTOR_SITE_MANAGERS = required
    password_login(client, manager_a, password)
    response = client.get("/")
    if required:
        assert response["Location"].startswith(f"{ENROL}?next=")
        assert client_for(client, manager_a).get("/").status_code == 200
    else:
        assert response.status_code == 200
    # Counsellors never need it.
    client.post("/deconnexion/")
    password_login(client, counsellor_a, password)
    assert client.get("/").status_code == 200


def test_another_admin_resets_a_lost_phone_audited(client, programme_admin, password):
    colleague = UserFactory(programme_admin=True, email="admin2@example.org")
    second_factor_device(colleague)
    StaticDevice.objects.create(user=colleague, name="Codes de secours")
    response = client_for(client, programme_admin).post(
        "/admin/connexions/user/",
        {"action": "reset_second_factor", "_selected_action": [colleague.pk, programme_admin.pk]},
    )
    assert response.status_code == 302
    assert not twofactor.has_device(colleague)
    assert twofactor.has_device(programme_admin)  # nobody resets their own
    event = AuditEvent.objects.get(action="auth.second_factor.reset")
    assert event.actor == programme_admin and event.object_id == str(colleague.pk)


def test_seed_demo_gives_the_demo_admin_the_rfc_test_key_and_prints_it(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    admin = User.objects.get(email="admin@demo.connexions.fr")
    assert TOTPDevice.objects.get(user=admin, confirmed=True).key == twofactor.DEMO_KEY
    assert "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ" in out.getvalue()
    assert "otpauth://totp/Connexions%3Aadmin%40demo.connexions.fr?secret=" in out.getvalue()

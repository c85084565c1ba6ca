from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from connexions import views, views_proconnect, views_twofactor
from connexions.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path("donnees-personnelles/", views.information_notice, name="information_notice"),
    path("site-courant/", views.switch_site, name="switch_site"),
    path("mes-notifications/", views.notification_settings, name="notifications"),
    path("accessibilite/", views.accessibility_statement, name="accessibility"),
    path("session/maintenir/", views.keep_alive, name="keep_alive"),
    path("langue/", login_not_required(set_language), name="set_language"),
    path(
        "connexion/",
        views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("connexion/proconnect/", views_proconnect.start, name="proconnect_start"),
    path("connexion/proconnect/retour/", views_proconnect.callback, name="proconnect_callback"),
    path("connexion/double-facteur/", views_twofactor.verify, name="two_factor_verify"),
    path(
        "connexion/double-facteur/activation/",
        views_twofactor.enrol,
        name="two_factor_enrol",
    ),
    path(
        "connexion/double-facteur/codes-de-secours/",
        views_twofactor.backup_codes,
        name="two_factor_backup_codes",
    ),
    path("deconnexion/", views_proconnect.logout_view, name="logout"),
    path(
        "mot-de-passe/changer/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "mot-de-passe/change/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("inscription/", include("connexions.urls_onboarding")),
    path("orientations/", include("beneficiaries.urls_referrals")),
    path("beneficiaires/", include("beneficiaries.urls")),
    path("catalogue/", include("catalogue.urls")),
    path("caisse/", include("sales.urls")),
    path("ateliers/", include("workshops.urls")),
    path("rendez-vous/", include("workshops.urls_appointments")),
    path("impact/", include("connexions.impact.urls")),
    path("admin/", admin.site.urls),
]

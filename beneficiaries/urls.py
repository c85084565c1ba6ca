from django.urls import path

from beneficiaries import views, views_offers, views_privacy

app_name = "beneficiaries"

urlpatterns = [
    path("", views.beneficiary_search, name="search"),
    path("journal-des-acces/", views_privacy.access_log, name="access_log"),
    path("inscription/<int:referral_pk>/", views.enrol, name="enrol"),
    path("inscription/<int:referral_pk>/lier/<int:pk>/", views.enrol_link, name="enrol_link"),
    path("<int:pk>/", views.beneficiary_detail, name="detail"),
    path("<int:pk>/carte.pdf", views.member_card, name="card"),
    path("<int:pk>/donnees.zip", views_privacy.beneficiary_data_export, name="data_export"),
    path("<int:pk>/effacer/", views_privacy.beneficiary_erase, name="erase"),
    path(
        "<int:pk>/consentements/retrait/",
        views_privacy.data_processing_withdrawal,
        name="data_processing_withdrawal",
    ),
    path("<int:pk>/consentements/", views.consents_edit, name="consents"),
    path("<int:pk>/accompagnement/", views.support_session_create, name="support_create"),
    path("<int:pk>/suivi/", views.follow_up_create, name="follow_up_create"),
    path("<int:pk>/mediation/", views.mediation_create, name="mediation_create"),
    path("<int:pk>/offre/", views_offers.offer_create, name="offer_create"),
    path("mediations/<int:pk>/", views.mediation_detail, name="mediation"),
    path("suivis-a-faire/", views.follow_ups_due, name="follow_ups_due"),
    path("mediations/actions/", views.mediation_actions_due, name="mediation_actions_due"),
]

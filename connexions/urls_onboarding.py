from django.urls import path

from connexions import views_onboarding as views

app_name = "onboarding"

urlpatterns = [
    path("", views.request_account, name="request"),
    path("envoyee/", views.request_sent, name="sent"),
    path(
        "transmise/",
        views.request_sent,
        {"proconnect_identity": True},
        name="sent_proconnect",
    ),
    path("verifier/<str:token>/", views.verify, name="verify"),
    path("demandes/", views.requests_pending, name="requests"),
    path("demandes/<int:pk>/", views.request_detail, name="request_detail"),
    path("demandes/<int:pk>/approuver/", views.request_approve, name="request_approve"),
    path("demandes/<int:pk>/refuser/", views.request_refuse, name="request_refuse"),
    path("membres/", views.members, name="members"),
    path("membres/<int:pk>/desactiver/", views.member_deactivate, name="member_deactivate"),
    path("membres/<int:pk>/referent/", views.member_make_referent, name="member_referent"),
]

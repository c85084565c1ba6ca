from django.urls import path

from beneficiaries import views

app_name = "referrals"

urlpatterns = [
    path("", views.referrals_home, name="home"),
    path("liste/", views.referral_list, name="list"),
    path("nouvelle/", views.referral_create, name="create"),
    path("a-traiter/", views.referral_inbox, name="inbox"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/retirer/", views.referral_withdraw, name="withdraw"),
    path("<int:pk>/refuser/", views.referral_decline, name="decline"),
]

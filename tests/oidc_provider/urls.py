from django.contrib.auth import views as auth_views
from django.urls import include, path

from tests.oidc_provider import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="login.html")),
    # Before django-oauth-toolkit's own userinfo view, at the address its discovery announces.
    path("o/userinfo/", views.userinfo_jwt),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("setup/", views.setup),
    path("favicon.ico", views.no_favicon),
]

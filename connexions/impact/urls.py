from django.urls import path

from connexions.impact import views, views_partners

app_name = "impact"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("bilan.pdf", views.export_pdf, name="pdf"),
    path("export/<slug:key>.csv", views.export_csv, name="csv"),
    path("partenaires/", views_partners.partner_list, name="partners"),
    path("partenaires/<int:pk>/", views_partners.partner_detail, name="partner"),
    path("partenaires/<int:pk>/rapport.csv", views_partners.partner_csv, name="partner_csv"),
    path("partenaires/<int:pk>/rapport.pdf", views_partners.partner_pdf, name="partner_pdf"),
]

from django.urls import path

from connexions import views_impact

app_name = "impact"

urlpatterns = [
    path("", views_impact.dashboard, name="dashboard"),
    path("bilan.pdf", views_impact.export_pdf, name="pdf"),
    path("export/<slug:key>.csv", views_impact.export_csv, name="csv"),
]

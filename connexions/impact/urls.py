from django.urls import path

from connexions.impact import views

app_name = "impact"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("bilan.pdf", views.export_pdf, name="pdf"),
    path("export/<slug:key>.csv", views.export_csv, name="csv"),
]

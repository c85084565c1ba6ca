from django.urls import path

from workshops import views_appointments as views

app_name = "appointments"

urlpatterns = [
    path("", views.day, name="day"),
    path("semaine/", views.week, name="week"),
    path("nouveau/", views.book, name="book"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/statut/", views.set_status, name="status"),
    path("mon-agenda/", views.calendar, name="calendar"),
    path("mon-agenda/nouvelle-adresse/", views.calendar_reset, name="calendar_reset"),
    path("agenda/<str:token>.ics", views.ical, name="ical"),
]

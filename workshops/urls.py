from django.urls import path

from workshops import views

app_name = "workshops"

urlpatterns = [
    path("", views.week, name="week"),
    path("seances/", views.session_list, name="session_list"),
    path("seances/nouvelle/", views.session_create, name="session_create"),
    path("seances/<int:pk>/", views.session_detail, name="session_detail"),
    path("seances/<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("seances/<int:pk>/annuler/", views.session_cancel, name="session_cancel"),
    path("seances/<int:pk>/inscrire/", views.session_register, name="session_register"),
    path("seances/<int:pk>/presences/", views.attendance, name="attendance"),
    path("seances/<int:pk>/emargement.pdf", views.attendance_sheet, name="attendance_sheet"),
    path("inscriptions/<int:pk>/annuler/", views.registration_cancel, name="registration_cancel"),
    path("themes/", views.topic_list, name="topic_list"),
    path("themes/nouveau/", views.topic_edit, name="topic_create"),
    path("themes/<int:pk>/modifier/", views.topic_edit, name="topic_edit"),
    path("animateurs/", views.facilitator_list, name="facilitator_list"),
    path("animateurs/nouveau/", views.facilitator_edit, name="facilitator_create"),
    path("animateurs/<int:pk>/modifier/", views.facilitator_edit, name="facilitator_edit"),
    path("chiffres/", views.figures, name="figures"),
]

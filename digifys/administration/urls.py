from django.urls import path

from . import views

app_name = "administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("users/", views.users, name="users"),
    path("users/<int:user_pk>/active/", views.user_active, name="user_active"),
    path("organisations/", views.organisations, name="organisations"),
    path("roles/", views.roles, name="roles"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<uuid:task_pk>/retry/", views.task_retry, name="task_retry"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
]

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("rows/", views.task_rows, name="task_rows"),
    path("consults/<int:consult_pk>/new/", views.new_order, name="new"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("orders/<int:pk>/cancel/", views.cancel, name="cancel"),
]

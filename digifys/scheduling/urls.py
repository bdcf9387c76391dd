from django.urls import path

from . import availability_views, holiday_views, views

app_name = "scheduling"

urlpatterns: list = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/renew/", views.renew_feed, name="renew_feed"),
    path("residents/<int:resident_pk>/book/", views.book, name="book"),
    path("bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("ics/<str:token>.ics", views.ics, name="ics"),
]

urlpatterns += [
    path("plans/", views.plans, name="plans"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/accept/", views.plan_accept, name="plan_accept"),
    path("plans/<int:pk>/replan/", views.plan_replan, name="plan_replan"),
    path("plan-items/<int:pk>/edit/", views.plan_item_edit, name="plan_item_edit"),
    path(
        "residents/<int:resident_pk>/planning-request/",
        views.work_request_new,
        name="work_request_new",
    ),
]

# Absences and working hours (issue #5 item 2).

urlpatterns += [
    path("absences/", availability_views.absences, name="absences"),
    path("absences/new/", availability_views.absence_new, name="absence_new"),
    path("absences/<int:pk>/", availability_views.absence, name="absence"),
    path("absences/<int:pk>/delete/", availability_views.absence_delete, name="absence_delete"),
    path("working-hours/", availability_views.patterns, name="patterns"),
]

# Local and island holidays per work place (issue 19 item 6).

urlpatterns += [
    path("local-holidays/", holiday_views.local_holidays, name="local_holidays"),
    path("local-holidays/new/", holiday_views.local_holiday_new, name="local_holiday_new"),
    path(
        "local-holidays/<int:pk>/edit/", holiday_views.local_holiday_edit, name="local_holiday_edit"
    ),
    path(
        "local-holidays/<int:pk>/delete/",
        holiday_views.local_holiday_delete,
        name="local_holiday_delete",
    ),
]

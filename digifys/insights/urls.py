from django.urls import path

from . import figure_views, report_views, transfer_views, views

app_name = "insights"

urlpatterns = [
    path("continuity/", views.continuity, name="continuity"),
    path("continuity/units/<int:unit_pk>/", views.unit, name="unit"),
    path("continuity/mine/", views.mine, name="mine"),
    path("figures/", figure_views.dashboard, name="figures"),
    path("figures/report/", report_views.report_pdf, name="report_pdf"),
    path("figures/report/subscribe/", report_views.subscribe, name="report_subscribe"),
    path("figures/report/unsubscribe/", report_views.unsubscribe, name="report_unsubscribe"),
    path(
        "transfers/residents/<int:resident_pk>/",
        transfer_views.resident_transfers,
        name="transfers",
    ),
    path("transfers/<int:pk>/judge/", transfer_views.judge, name="transfer_judge"),
]

from django.urls import path

from . import views

app_name = "testbed"

urlpatterns = [
    path("", views.index, name="index"),
    path("applied/", views.applied, name="applied"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/approve/", views.approve, name="approve"),
    path("applications/<int:pk>/decline/", views.decline, name="decline"),
    path("company/", views.company, name="company"),
]
urlpatterns += [
    path("company/clients/", views.clients, name="clients"),
    path("company/clients/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("company/keys/", views.keys, name="keys"),
    path("company/keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
    path("company/log/", views.log, name="log"),
    path("company/deliveries/", views.deliveries, name="deliveries"),
    path("company/report/", views.conformance, name="report"),
    path("company/report.pdf", views.conformance_pdf, name="report_pdf"),
    path("company/live/", views.live, name="live"),
]
urlpatterns += [path("company/reset/", views.reset, name="reset")]

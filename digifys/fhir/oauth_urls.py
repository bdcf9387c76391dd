"""The OAuth 2.0 authorization server of the FHIR API (django-oauth-toolkit's views, smart.py)."""

from django.urls import path

from . import smart

app_name = "oauth"

urlpatterns = [
    path("authorize", smart.AuthorizeView.as_view(), name="authorize"),
    path("token", smart.TokenView.as_view(), name="token"),
    path("introspect", smart.introspect.as_view(), name="introspect"),
    path("revoke", smart.revoke.as_view(), name="revoke"),
]

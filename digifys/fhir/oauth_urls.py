"""The OAuth 2.0 authorization server of the FHIR API (django-oauth-toolkit's views, smart.py)."""

from django.urls import path

from . import smart

app_name = "oauth"

urlpatterns = [
    path("authorize", smart.AuthorizeView.as_view(), name="authorize"),
    path("token", smart.TokenView.as_view(), name="token"),
    path("introspect", smart.introspect.as_view(), name="introspect"),
    path("revoke", smart.revoke.as_view(), name="revoke"),
    # OpenID Connect (SMART's `openid fhirUser`), when FHIR_OIDC_RSA_PRIVATE_KEY is set.
    path(
        ".well-known/openid-configuration",
        smart.openid_configuration,
        name="openid-configuration",
    ),
    path(".well-known/jwks.json", smart.oidc_jwks, name="jwks"),
]

"""SMART on FHIR on django-oauth-toolkit (DOT): what digifys adds to DOT's authorization server.

- `SmartValidator` (DOT's OAuth2Validator): client authentication with a signed JWT client
  assertion (SMART Backend Services, RFC 7523 `private_key_jwt`) verified with jwcrypto against the
  client's registered JWKS: RS384 or ES384, iss = sub = client_id, aud = the token endpoint,
  exp at most five minutes ahead, a `jti` used once. Scopes: a client gets at most what it was
  registered for; backend services ask for `system/…`, an app launch for `user/…` scopes.
- `SmartScopes` (DOT's scopes backend): the registered scopes of each client, described for the
  consent screen.
- The token endpoint answers 400 `invalid_client` to a refused assertion (SMART; DOT answers 401
  as for HTTP Basic). The authorize page is DOT's, with digifys' consent screen; the login with
  its second factor is the one of the pages (RequireSecondFactorMiddleware).
- `/.well-known/smart-configuration` lists the endpoints and what they accept.
- OpenID Connect (DOT's, when FHIR_OIDC_RSA_PRIVATE_KEY is set: `oidc_enabled`): an app launch
  that asks for `openid fhirUser` gets an id_token (RS256, the server's key: an app registered
  with `openid` has DOT's algorithm RS256, services.register_launch_app) whose `fhirUser` is
  the URL of the user's Practitioner (clinicians; other users are no Practitioner and get no
  `fhirUser`). The issuer is /oauth (`/oauth/.well-known/openid-configuration`, `jwks.json`).
  Without the key these scopes cannot be registered or asked for, and are not advertised.

DOT issues, stores (hashed), introspects and revokes the tokens; none of that is written here.
"""

import contextvars
import datetime
import hashlib
import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException
from oauth2_provider import views as dot_views
from oauth2_provider.models import (
    AbstractApplication,
    Application,
    Grant,
    get_access_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from digifys.residents.models import Resident

from . import jwks as remote_jwks
from .auth import SMART_SCOPE, reads_only
from .context import one
from .models import LaunchContext, SmartClient, UsedAssertion

log = logging.getLogger(__name__)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ["RS384", "ES384"]
MAX_ASSERTION_SECONDS = 300  # SMART: exp no more than five minutes in the future
CLOCK_SKEW_SECONDS = 60
SCOPES_SUPPORTED = [
    "system/*.read",
    "system/*.write",
    "system/Patient.read",
    "system/Observation.read",
    "system/Observation.write",
    "user/*.read",
    "user/*.write",
    "user/Patient.read",
    "user/Observation.read",
    "user/Observation.write",
    "patient/*.read",
    "patient/Patient.read",
    "patient/Observation.read",
    "launch/patient",
]
LAUNCH_PATIENT = "launch/patient"
OPENID = "openid"
FHIR_USER = "fhirUser"
OIDC_SCOPES = (OPENID, FHIR_USER)


def oidc_enabled() -> bool:
    """True when DOT's OpenID Connect is on, with the key that signs id_tokens."""
    return bool(oauth2_settings.OIDC_ENABLED and oauth2_settings.OIDC_RSA_PRIVATE_KEY)


# --- scopes ----------------------------------------------------------------------------------


def covers(allowed: str, requested: str) -> bool:
    """True when the registered scope ALLOWED includes the requested scope REQUESTED."""
    if allowed == requested:
        return True
    a, r = SMART_SCOPE.fullmatch(allowed), SMART_SCOPE.fullmatch(requested)
    if not a or not r or a[1] != r[1] or a[2] not in ("*", r[2]):
        return False
    letters = {"read": "rs", "write": "cu", "*": "cruds"}
    return set(letters.get(r[3], r[3])) <= set(letters.get(a[3], a[3]))


def describe(scope: str) -> str:
    """A reader's description of SCOPE (the consent screen)."""
    if scope == LAUNCH_PATIENT:
        return _("Know which resident you choose below")
    if scope == OPENID:
        return _("Confirm to the app that it is you who signed in")
    if scope == FHIR_USER:
        return _("Know who you are: your staff record in digifys")
    match = SMART_SCOPE.fullmatch(scope)
    if not match:
        return scope
    resource = _("all kinds of data") if match[2] == "*" else match[2]
    permission = match[3]
    if match[1] == "patient":
        return _("Read %(resource)s of the resident you choose, and nothing else") % {
            "resource": resource
        }
    if reads_only(permission):
        return _("Read %(resource)s") % {"resource": resource}
    if permission == "write" or (permission not in ("*",) and not set(permission) & set("rs")):
        return _("Record and change %(resource)s") % {"resource": resource}
    return _("Read, record and change %(resource)s") % {"resource": resource}


class _Descriptions(dict):
    def __missing__(self, scope):
        return describe(scope)


class SmartScopes(BaseScopes):
    """Each client's registered scopes (SmartClient.scopes); a request may narrow them."""

    def get_all_scopes(self):
        return _Descriptions()

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        smart = getattr(application, "smart", None) if application is not None else None
        return sorted(smart.scope_set) if smart is not None else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)


# --- client assertions -----------------------------------------------------------------------


class AssertionRefused(Exception):
    """A refused client assertion; SIGNER is the client whose registered key verified its
    signature (the refusal came later: expiry, audience, a reused jti), else None — only a
    signer's refusals can be told to it (testbed's request log), since anyone can write any
    `iss` into an unsigned or badly signed assertion."""

    def __init__(self, message: str, signer: "SmartClient | None" = None):
        super().__init__(message)
        self.signer = signer


# The client a token request at the token endpoint can be attributed to: the one that
# authenticated, or the signer of a refused assertion (set by SmartValidator, read by TokenView).
_token_client: contextvars.ContextVar = contextvars.ContextVar("token_client", default=None)


def _endpoint(http_request, name: str) -> str:
    """The absolute URL of the OAuth endpoint NAME as the client reached this server."""
    return http_request.build_absolute_uri(reverse(name))


def verify_assertion(assertion: str, audiences: set[str]) -> SmartClient:
    """Return the client that signed ASSERTION, or raise AssertionRefused with the reason."""
    try:
        envelope = jws.JWS()
        envelope.deserialize(assertion)
        header = envelope.jose_header
        unverified = json.loads(envelope.objects["payload"])
    except (JWException, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AssertionRefused("The client assertion is not a signed JWT.") from exc
    if not isinstance(unverified, dict) or header.get("alg") not in ALGORITHMS:
        raise AssertionRefused("The client assertion must be signed with RS384 or ES384.")
    client_id = unverified.get("iss")
    client = (
        SmartClient.objects.select_related("application__user")
        .filter(application__client_id=client_id if isinstance(client_id, str) else None)
        .first()
    )
    if client is None or not (client.jwks or client.jwks_uri):
        raise AssertionRefused("The client assertion names no registered client with keys.")
    try:
        client_jwks = remote_jwks.keys_for(client, header.get("kid"))
    except remote_jwks.JwksUnavailable as exc:
        raise AssertionRefused(str(exc)) from exc
    token = jwt.JWT(
        algs=ALGORITHMS,
        expected_type="JWS",
        check_claims={"iss": client_id, "sub": client_id, "exp": None, "jti": None},
    )
    token.leeway = CLOCK_SKEW_SECONDS
    try:
        keys = jwk.JWKSet.from_json(json.dumps(client_jwks))
        token.deserialize(assertion, keys)
        claims = json.loads(token.claims)
    except (JWException, ValueError, TypeError, AttributeError) as exc:
        # jwcrypto verifies the signature before it checks the claims: a valid signature
        # with a bad claim (an expired assertion, another subject) was made with the client's key.
        signed = token.token is not None and token.token.is_valid is True
        raise AssertionRefused(
            "The client assertion's signature, issuer, subject or expiry is not valid "
            "for a key of the client's JWKS.",
            signer=client if signed else None,
        ) from exc
    aud = claims.get("aud")
    if not (set(aud) if isinstance(aud, list) else {aud}) & audiences:
        raise AssertionRefused("The client assertion's aud is not this token endpoint.", client)
    exp = claims["exp"]
    now = timezone.now()
    if not isinstance(exp, int | float) or exp > now.timestamp() + MAX_ASSERTION_SECONDS + (
        CLOCK_SKEW_SECONDS
    ):
        raise AssertionRefused(
            "The client assertion's exp is more than five minutes ahead.", client
        )
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise AssertionRefused("The client assertion has no usable jti.", client)
    UsedAssertion.objects.filter(expires_at__lt=now - datetime.timedelta(minutes=5)).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(
                client=client,
                jti=jti,
                expires_at=datetime.datetime.fromtimestamp(exp, tz=datetime.UTC),
            )
    except IntegrityError as exc:
        raise AssertionRefused("The client assertion's jti was used before.", client) from exc
    return client


class SmartValidator(OAuth2Validator):
    """DOT's validator with SMART's client assertions and scope rules."""

    # The OIDC claims and the scope that releases each (DOT's get_oidc_claims).
    oidc_claim_scope = {"sub": OPENID, FHIR_USER: FHIR_USER}

    def _load_access_token(self, token):
        """DOT's look-up of a bearer token, joined with what every API request reads next
        (auth._oauth_principal): the SMART registration, the user the token acts for and that
        user's staff profile (the role), and a patient/ token's launch context — one query
        instead of five. The checksum is unique: `one`, not `.first()` (context.one)."""
        return one(
            get_access_token_model()
            .objects.select_related(
                "application__smart",
                "application__user__staff_profile",
                "user__staff_profile",
                "launch_context",
            )
            .filter(token_checksum=hashlib.sha256(token.encode("utf-8")).hexdigest())
        )

    def _assertion(self, request):
        return getattr(request, "client_assertion", None), getattr(
            request, "client_assertion_type", None
        )

    def client_authentication_required(self, request, *args, **kwargs):
        if any(self._assertion(request)):
            return True
        return super().client_authentication_required(request, *args, **kwargs)

    def authenticate_client(self, request, *args, **kwargs):
        assertion, assertion_type = self._assertion(request)
        if assertion is None and assertion_type is None:
            if not super().authenticate_client(request, *args, **kwargs):
                return False
            # A client with registered keys authenticates with them only.
            return not SmartClient.objects.filter(
                Q(jwks__isnull=False) | ~Q(jwks_uri=""), application=request.client
            ).exists()
        try:
            if assertion_type != ASSERTION_TYPE or not isinstance(assertion, str):
                raise AssertionRefused(f"client_assertion_type must be {ASSERTION_TYPE}.")
            # DOT's oauthlib request carries a relative URI and the Django request's META.
            http_request = self.build_http_request(request)
            audiences = {
                _endpoint(http_request, "oauth:token"),
                http_request.build_absolute_uri(request.uri.split("?")[0]),
            }
            client = verify_assertion(assertion, audiences)
            application = client.application
            if request.client_id not in (None, application.client_id) or not (
                application.is_usable(request)
            ):
                raise AssertionRefused("The client assertion is for another client.", client)
        except AssertionRefused as refused:
            log.info("Client assertion refused: %s", refused)
            _token_client.set(refused.signer)
            if urlsplit(request.uri).path == reverse("oauth:token"):
                # At the token endpoint: say why (oauthlib turns this into the error response;
                # DOT's introspection view would not, so there the answer is a plain refusal).
                raise errors.InvalidClientError(
                    description=str(refused), request=request
                ) from refused
            return False
        request.client = application
        request.client_id = application.client_id
        _token_client.set(client)
        return True

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        smart = getattr(client, "smart", None)
        if smart is None:
            return False
        if getattr(request, "response_type", None) and request.code_challenge_method != "S256":
            # The authorization request (oauthlib checks scopes right after PKCE): S256 only.
            raise errors.UnsupportedCodeChallengeMethodError(request=request)
        if client.authorization_grant_type == AbstractApplication.GRANT_CLIENT_CREDENTIALS:
            contexts = {"system"}
        else:
            # An app launch acts for the user (user/) or for one resident the user chooses
            # (patient/ with launch/patient), never both in one token.
            asked = {
                scope.split("/")[0]
                for scope in scopes
                if scope != LAUNCH_PATIENT and scope not in OIDC_SCOPES
            }
            if asked == {"user", "patient"}:
                return False
            if "patient" in asked and LAUNCH_PATIENT not in scopes:
                return False
            if FHIR_USER in scopes and OPENID not in scopes:
                return False  # SMART: fhirUser is a claim of the id_token that openid asks for
            contexts = {"user", "patient"}
        return all(
            (scope == LAUNCH_PATIENT and scope in smart.scope_set and contexts != {"system"})
            or (
                scope in OIDC_SCOPES
                and scope in smart.scope_set
                and contexts != {"system"}
                and oidc_enabled()
            )
            or (scope.split("/")[0] in contexts and any(covers(a, scope) for a in smart.scope_set))
            for scope in scopes
        )

    # --- OpenID Connect (DOT's; on when oidc_enabled) ---

    def get_oidc_issuer_endpoint(self, request):
        """The issuer: /oauth on the host the client reached (DOT would reverse its own URL
        namespace, which digifys does not mount), or OIDC_ISS_ENDPOINT when set."""
        return issuer(self.build_http_request(request))

    def get_additional_claims(self, request):
        """`fhirUser`: the URL of the user's Practitioner, for a clinician (only clinicians are
        Practitioners of this API: handlers.practitioner_read)."""
        from .handlers import CLINICAL

        user = request.user
        profile = getattr(user, "staff_profile", None)
        if profile is None or getattr(user, "role", None) not in CLINICAL:
            return {}
        base = self.build_http_request(request).build_absolute_uri(reverse("fhir:base"))
        return {FHIR_USER: f"{base}/Practitioner/{profile.pk}"}

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        """DOT stores the code; the resident the user chose at a launch is kept with it."""
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        patient = getattr(request, "launch_patient", None)
        if patient is not None:
            LaunchContext.objects.create(
                grant=Grant.objects.get(code=code["code"], application=request.client),
                resident_id=patient,
            )

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        """DOT's access token; a launch context moves from the code onto it, and the token
        response names the resident (SMART: `patient`)."""
        access_token = super()._create_access_token(
            expires, request, token, source_refresh_token=source_refresh_token
        )
        if getattr(request, "grant_type", None) == "authorization_code":
            launch = LaunchContext.objects.filter(
                grant__code=request.code, grant__application=request.client
            ).first()
            if launch is not None:
                launch.grant = None
                launch.access_token = access_token
                launch.save(update_fields=["grant", "access_token"])
                token["patient"] = str(launch.resident_id)
        return access_token


# --- views -----------------------------------------------------------------------------------


class TokenView(dot_views.TokenView):
    """DOT's token endpoint; a refused client assertion is a 400 (RFC 6749 §5.2, SMART)."""

    def post(self, request, *args, **kwargs):
        reset = _token_client.set(None)
        try:
            response = super().post(request, *args, **kwargs)
            # testbed.middleware: the key client this request can be told to (or None).
            request.fhir_key_client = _token_client.get()
        finally:
            _token_client.reset(reset)
        if response.status_code == 401 and "HTTP_AUTHORIZATION" not in request.META:
            response.status_code = 400
            if "WWW-Authenticate" in response:
                del response["WWW-Authenticate"]
        return response


class AuthorizeView(dot_views.AuthorizationView):
    """DOT's authorization endpoint with digifys' consent screen (after the login and its
    second factor, which the pages' middleware demands). An app that asks for `launch/patient`
    is given the resident the user chooses here, among those the user may see."""

    template_name = "fhir/authorize.html"

    def _scopes(self, form, kwargs) -> list[str]:
        if kwargs.get("scopes"):
            return list(kwargs["scopes"])
        if form is not None and form.is_bound:
            return form.data.get("scope", "").split()
        return (form.initial.get("scope") or "").split() if form is not None else []

    def _residents(self):
        return (
            Resident.objects.visible_to(self.request.user)
            .active()
            .select_related("unit")
            .order_by("family_name", "given_name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        scopes = self._scopes(form, kwargs)
        context["scope_descriptions"] = [describe(scope) for scope in scopes]
        context["token_minutes"] = settings.FHIR_ACCESS_TOKEN_SECONDS // 60
        if LAUNCH_PATIENT in scopes:
            context["residents"] = self._residents()
            context["chosen_patient"] = form.data.get("patient", "") if form.is_bound else ""
        if "application" not in context and form is not None and form.is_bound:
            context["application"] = Application.objects.filter(
                client_id=form.data.get("client_id", "")
            ).first()
        return context

    def form_valid(self, form):
        self.launch_patient = None
        scopes = (form.cleaned_data.get("scope") or "").split()
        if form.cleaned_data.get("allow") and LAUNCH_PATIENT in scopes:
            chosen = self.request.POST.get("patient", "")
            resident = (
                self._residents().filter(pk=int(chosen)).first() if chosen.isdigit() else None
            )
            if resident is None:
                form.add_error(None, _("Choose the resident the app is for."))
                response = self.form_invalid(form)
                response.status_code = 400
                return response
            self.launch_patient = resident.pk
        return super().form_valid(form)

    def create_authorization_response(self, request, scopes, credentials, allow):
        if allow and getattr(self, "launch_patient", None) is not None:
            credentials = {**credentials, "launch_patient": self.launch_patient}
        return super().create_authorization_response(request, scopes, credentials, allow)


def issuer(http_request) -> str:
    """The OpenID Connect issuer: OIDC_ISS_ENDPOINT when set, else the /oauth base as
    HTTP_REQUEST reached the server."""
    if oauth2_settings.OIDC_ISS_ENDPOINT:
        return oauth2_settings.OIDC_ISS_ENDPOINT
    return http_request.build_absolute_uri(reverse("oauth:token")).rsplit("/", 1)[0]


@require_GET
def smart_configuration(request):
    """SMART's discovery document (relative to the FHIR base)."""

    def url(name):
        return request.build_absolute_uri(reverse(name))

    oidc = {}
    capabilities_oidc = []
    scopes_oidc = []
    if oidc_enabled():
        oidc = {
            "issuer": issuer(request),
            "jwks_uri": url("oauth:jwks"),
        }
        capabilities_oidc = ["sso-openid-connect"]
        scopes_oidc = list(OIDC_SCOPES)
    return JsonResponse(
        {
            **oidc,
            "authorization_endpoint": url("oauth:authorize"),
            "token_endpoint": url("oauth:token"),
            "introspection_endpoint": url("oauth:introspect"),
            "revocation_endpoint": url("oauth:revoke"),
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "response_types_supported": ["code"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
            "token_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": SCOPES_SUPPORTED + scopes_oidc,
            "capabilities": [
                "launch-standalone",
                "client-public",
                "client-confidential-asymmetric",
                "context-standalone-patient",
                "permission-patient",
                "permission-user",
                "permission-v1",
                "permission-v2",
                *capabilities_oidc,
            ],
        },
        content_type="application/json",
    )


def _oidc_off() -> JsonResponse:
    return JsonResponse({"error": _("OpenID Connect is not enabled.")}, status=404)


@require_GET
def openid_configuration(request):
    """OpenID Connect discovery of the issuer (/oauth); 404 while OIDC is off."""
    if not oidc_enabled():
        return _oidc_off()

    def url(name):
        return request.build_absolute_uri(reverse(name))

    return JsonResponse(
        {
            "issuer": issuer(request),
            "authorization_endpoint": url("oauth:authorize"),
            "token_endpoint": url("oauth:token"),
            "jwks_uri": url("oauth:jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [AbstractApplication.RS256_ALGORITHM],
            "scopes_supported": [*OIDC_SCOPES, *SCOPES_SUPPORTED],
            "claims_supported": sorted(SmartValidator.oidc_claim_scope),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
        }
    )


@require_GET
def oidc_jwks(request):
    """The public part of the key that signs id_tokens (DOT's view); 404 while OIDC is off."""
    if not oidc_enabled():
        return _oidc_off()
    return dot_views.JwksInfoView.as_view()(request)


introspect = method_decorator(csrf_exempt, name="dispatch")(dot_views.IntrospectTokenView)
revoke = dot_views.RevokeTokenView

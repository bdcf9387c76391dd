"""The FHIR API's one dispatcher: authenticate, check the scope, call the route's handler, and
answer in FHIR JSON; every refusal is an OperationOutcome (errors.py)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from . import auth, compartment, versions
from .context import Raw
from .errors import FhirError
from .handlers import Context
from .routes import ROUTES

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def _response(status: int, resource, headers=None) -> HttpResponse:
    if isinstance(resource, Raw):  # a bulk export's manifest or file
        response = HttpResponse(resource.body, status=status, content_type=resource.content_type)
    else:
        response = HttpResponse(
            resource.model_dump_json(exclude_none=True), status=status, content_type=CONTENT_TYPE
        )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(error: FhirError) -> HttpResponse:
    return _response(error.status, error.outcome(), error.headers)


def _base(request) -> str:
    return request.build_absolute_uri(reverse("fhir:base"))


def endpoint(routes):
    """A view for one URL pattern, dispatching on the method to that pattern's routes."""
    by_method = {route.method: route for route in routes}

    @csrf_exempt
    def view(request, **kwargs):
        route = by_method.get(request.method)
        try:
            if route is None:
                raise FhirError(
                    405,
                    "not-supported",
                    _("This interaction is not supported here."),
                    headers={"Allow": ", ".join(sorted(by_method))},
                )
            ctx = Context(request=request, client=None, base=_base(request), routes=ROUTES)
            if route.access is not None:
                ctx.client = auth.authenticate(request)
                request.fhir_principal = ctx.client  # testbed.middleware: who sent it
                if ctx.client.user.language in dict(settings.LANGUAGES):
                    # Messages in the user's saved language, as on the user's pages.
                    translation.activate(ctx.client.user.language)
                if route.resource is not None:
                    # A system-level interaction (transaction) checks each entry's type itself.
                    auth.require_scope(ctx.client, route.resource, route.access, route.interaction)
            patient = getattr(ctx.client, "patient", None)
            params = request.GET
            if patient is not None:  # a token for one resident: its compartment only
                params = compartment.enter(patient, route, kwargs, params)
            if route.interaction == "search-type":
                result = route.handler(ctx, params)
            else:
                result = route.handler(ctx, **kwargs)
            if patient is not None and result.status < 300:
                compartment.check(patient, route, result.resource)
        except FhirError as error:
            return _error(error)
        except PermissionDenied:
            return _error(FhirError(403, "forbidden", _("Not allowed.")))
        except Http404:
            return _error(FhirError(404, "not-found", _("Not found.")))
        headers = result.headers
        if route.interaction in ("read", "vread", "create", "update") and result.status < 300:
            # Resources without history of their own are at version 1 (versions.py).
            versions.stamp(result.resource)
            headers = {**versions.etag(result.resource), **headers}
        return _response(result.status, result.resource, headers)

    return view


@csrf_exempt
def unknown(request, rest: str = ""):
    """Anything under the base that is not in the route table."""
    return _error(
        FhirError(404, "not-found", _("There is no such resource type or interaction here."))
    )

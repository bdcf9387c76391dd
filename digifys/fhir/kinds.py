"""Read, vread, `_history` and search for the resources that are one row each (issue 14 §1).

A `Kind` says, for one FHIR resource type: which roles may read it, the policy-filtered rows a
user may see (always through the domain's `visible_to(user)`, as on pages), the mapper, the
search parameters and how each filters, and the versions a row has had. The handlers made here
(`read`, `vread`, `history`, `search`) are the routes' handlers (routes.py), one per interaction.

Every response that shows resident data writes the access-log "read" entry a page read would
(one per resident shown, with the API client in the details); staff and organisations are no
resident data and are not logged, as on the directory pages.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from fhir.resources.R4B import get_fhir_model_class

from . import search, versions
from .context import Result, log_read, one
from .errors import FhirError


@dataclass(frozen=True)
class Param:
    """A search parameter: its FHIR type, documentation, and FILTER(queryset, params, name)."""

    type: str
    doc: str
    filter: Callable


@dataclass(frozen=True)
class Kind:
    resource: str
    roles: tuple
    rows: Callable  # rows(user) -> queryset, already filtered by the access policy
    to_fhir: Callable  # to_fhir(row) -> dict of the current version
    params: dict = field(default_factory=dict)
    sort: dict = field(default_factory=dict)
    default_sort: tuple = ("pk",)
    log_type: str | None = None  # access-log object type; None: no resident data
    resident: Callable | None = None  # resident(row), for the access log
    history: Callable | None = None  # history(row) -> [dict], oldest first; None: no history
    history_doc: str = ""

    @property
    def versioned(self) -> bool:
        return self.history is not None


def digits(values) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19]


def not_found(resource: str, id: str) -> FhirError:
    return FhirError(
        404,
        "not-found",
        _("%(resource)s/%(id)s is not known or not visible to this client.")
        % {"resource": resource, "id": id[:64]},
    )


# --- search parameter filters -------------------------------------------------------------------


def reference(field_name: str, target: str, doc: str = "") -> Param:
    def apply(queryset, params, name):
        ids = search.reference_ids(params, name, target)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{field_name}__in": digits(ids)})

    return Param("reference", doc or f"{target}/<id>.", apply)


def date(field_name: str, doc: str) -> Param:
    def apply(queryset, params, name):
        return queryset.filter(search.date_filter(params, name, field_name))

    return Param("date", doc, apply)


def token(field_name: str, mapping: dict, system: str, doc: str) -> Param:
    """A token parameter; MAPPING: FHIR code -> a database value or a Q (system|code or code)."""

    def apply(queryset, params, name):
        value = search.single(params, name)
        if value is None:
            return queryset
        condition = Q(pk__in=[])
        for given_system, code in search.tokens(value):
            if given_system not in (None, system) or code not in mapping:
                continue
            wanted = mapping[code]
            condition |= wanted if isinstance(wanted, Q) else Q(**{field_name: wanted})
        return queryset.filter(condition)

    return Param("token", doc, apply)


def ids_param() -> Param:
    def apply(queryset, params, name):
        value = search.single(params, name)
        if value is None:
            return queryset
        return queryset.filter(pk__in=digits(value.split(",")))

    return Param("token", "Logical id (comma-separated for several).", apply)


# --- handlers -----------------------------------------------------------------------------------


def _require_role(ctx, kind: Kind) -> None:
    if getattr(ctx.user, "role", None) not in kind.roles:
        raise FhirError(
            403, "forbidden", _("This API client's user has no access to this resource type.")
        )


def _model(kind: Kind, data: dict):
    return get_fhir_model_class(kind.resource).model_validate(data)


def _versions(kind: Kind, row) -> list:
    """Every version of ROW as resources, oldest first, each with its meta.versionId."""
    if kind.history is None:
        return [versions.stamp(_model(kind, kind.to_fhir(row)), "1")]
    return [
        versions.stamp(_model(kind, data), str(number))
        for number, data in enumerate(kind.history(row), start=1)
    ]


def _row(ctx, kind: Kind, id: str):
    row = one(kind.rows(ctx.user).filter(pk__in=digits([id])))
    if row is None:
        raise not_found(kind.resource, id)
    return row


def _log(ctx, kind: Kind, rows, object_id=None) -> None:
    if kind.log_type is None or kind.resident is None:
        return
    log_read(ctx, [kind.resident(row) for row in rows], kind.log_type, object_id)


def make_read(kind: Kind):
    def read(ctx, id: str):
        _require_role(ctx, kind)
        row = _row(ctx, kind, id)
        resource = _versions(kind, row)[-1]
        _log(ctx, kind, [row], row.pk)
        return Result(200, resource, versions.etag(resource))

    read.__name__ = f"{kind.resource.lower()}_read"
    return read


def make_vread(kind: Kind):
    def vread(ctx, id: str, vid: str):
        _require_role(ctx, kind)
        row = _row(ctx, kind, id)
        found = _versions(kind, row)
        if not (vid.isascii() and vid.isdigit() and 1 <= int(vid) <= len(found)):
            raise versions.not_found_version(kind.resource, id, vid)
        _log(ctx, kind, [row], row.pk)
        resource = found[int(vid) - 1]
        return Result(200, resource, versions.etag(resource))

    vread.__name__ = f"{kind.resource.lower()}_vread"
    return vread


def make_history(kind: Kind):
    def history(ctx, id: str):
        _require_role(ctx, kind)
        row = _row(ctx, kind, id)
        found = _versions(kind, row)
        _log(ctx, kind, [row], row.pk)
        return Result(200, versions.history_bundle(ctx.base, kind.resource, found))

    history.__name__ = f"{kind.resource.lower()}_history"
    return history


def matching(ctx, kind: Kind, params):
    """The rows of KIND that a search with PARAMS finds for the client's user: the policy's rows,
    then each search parameter's filter. The one definition of what a search matches, for the
    search interaction and for subscriptions' criteria (subscriptions.py)."""
    rows = kind.rows(ctx.user)
    for name, param in kind.params.items():
        rows = param.filter(rows, params, name)
    return rows


def make_search(kind: Kind):
    allowed = {*kind.params, "_count", "_sort", "_offset"}

    def run(ctx, params):
        _require_role(ctx, kind)
        params = search.known(params, allowed, strict=search.is_strict(ctx.request))
        count, offset = search.count_and_offset(params)
        rows = matching(ctx, kind, params)
        rows = rows.order_by(*search.sort_keys(params, kind.sort, list(kind.default_sort)), "pk")
        total = rows.count()
        page = list(rows[offset : offset + count])
        _log(ctx, kind, page)
        resources = [_versions(kind, row)[-1] for row in page]
        bundle = search.searchset(
            params, f"{ctx.base}/{kind.resource}", resources, total, count, offset
        )
        return Result(200, bundle)

    run.__name__ = f"{kind.resource.lower()}_search"
    return run


# --- the same vread and _history for resources with their own read handler ----------------------


def current_only(resource_type: str, read):
    """vread and _history for a resource digifys keeps no history of: version 1 is the current
    one, served by READ (which checks the policy and writes the access log)."""

    def vread(ctx, id: str, vid: str):
        if vid != "1":
            read(ctx, id)  # 404 first when the resource itself is not there
            raise versions.not_found_version(resource_type, id, vid)
        return read(ctx, id)

    def history(ctx, id: str):
        resource = versions.stamp(read(ctx, id).resource)
        return Result(200, versions.history_bundle(ctx.base, resource_type, [resource]))

    vread.__name__ = f"{resource_type.lower()}_vread"
    history.__name__ = f"{resource_type.lower()}_history"
    return vread, history

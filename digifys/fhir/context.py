"""The request context every handler gets, the result it returns, and the access-log entry of an
API read (a lower layer shared by handlers.py and kinds.py)."""

from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist

from digifys.audit import services as audit


@dataclass
class Context:
    request: object
    client: object | None
    base: str  # absolute URL of the FHIR base, no trailing slash
    routes: tuple = ()

    @property
    def user(self):
        return self.client.user if self.client else None


@dataclass
class Result:
    status: int
    resource: object
    headers: dict = field(default_factory=dict)


def one(queryset):
    """The row of QUERYSET, filtered on a unique key (a pk, a token checksum), or None.

    Not `.first()`: it orders by pk, and an ordered query makes Django's compiler hash every
    selected column (expression identities built with `inspect.signature`) to match the ordering
    against the select list: about a fifth of an API read's Python calls, for the token's and the
    row's select_related columns, to order at most one row.
    """
    try:
        return queryset.get()
    except ObjectDoesNotExist:
        return None


def log_read(ctx: Context, residents, object_type: str, object_id=None) -> None:
    """Log that the client's user read RESIDENTS (one entry each), naming the client."""
    unique = list({r.pk: r for r in residents}.values())
    if not unique:
        return
    details = {"api_client": ctx.client.pk, "api_client_name": ctx.client.name}
    if object_id is not None and len(unique) == 1:
        audit.record_read(
            actor=ctx.user,
            residents=unique,
            request=ctx.request,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )
    else:
        audit.record_read(
            actor=ctx.user,
            residents=unique,
            request=ctx.request,
            object_type=object_type,
            details=details,
        )


@dataclass
class Raw:
    """A body that is no FHIR resource (a bulk export's manifest or NDJSON file)."""

    body: bytes
    content_type: str

"""FHIR R4 Subscriptions (rest-hook): the handlers, matching new resources, and signed delivery.

Rules enforced here:

- A client creates, reads, searches and deletes its own subscriptions only; another client's is
  "not found". Only the rest-hook channel, with payload `application/fhir+json` (the matching
  resources in a history Bundle) or none (an empty POST).
- The criteria are a search string of this API (`Observation?code=…&value-quantity=ge5`,
  `Task?status=completed`, `Communication?part-of=…`, `ServiceRequest?code=vitals`: the types of
  SUPPORTED_TYPES). They are parsed with the search parameters of the API and evaluated by the
  same search code as the client's user (`handlers._matching_parts` for Observation,
  `kinds.matching` for the others), restricted to the new or changed resource's ids, so a
  subscription matches exactly what that search would return to the client — and never a
  resource the client may not read (its user's access policy, its read scope, its role).
  Criteria the API cannot search are refused (422) naming the parameter or type.
- An Observation notifies when a set of vital signs is recorded; a Task, Communication or
  ServiceRequest when it is created or changed (a task done or cancelled, an order cancelled)
  and then matches the criteria (hooks.py).
- Every notification is signed: `X-Digifys-Timestamp: <unix seconds>` and
  `X-Digifys-Signature: sha256=<hex>`, the HMAC-SHA256 with the subscription's secret of
  `<timestamp>.` followed by the body bytes. The secret is shown once, in the create response's
  `X-Digifys-Subscription-Secret` header.
- A failed POST (no 2xx answer) is logged (`DeliveryAttempt`) and retried with exponential
  backoff until `FHIR_SUBSCRIPTION_MAX_ATTEMPTS`; an attempt claims the notification with one
  conditional UPDATE, so a doubled job sends nothing. After `FHIR_SUBSCRIPTION_ERROR_AFTER`
  failed attempts in a row the subscription's status is `error`; a successful delivery, or the
  client setting status `active` again (PUT), makes it `active` again. `off` sends nothing.
- A notification that carries resources writes the access-log "read" entry of the client's
  user for each resident in it, once (its first attempt), as an API read would.
"""

import datetime
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from urllib.parse import parse_qs, urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.subscription import Subscription as FhirSubscription

from . import auth, codes, handlers, kinds, resources, search
from .context import Context, Raw, Result, log_read
from .errors import FhirError, outcome
from .models import ApiClient, DeliveryAttempt, Subscription, SubscriptionNotification

# The resource types a subscription can watch besides Observation: one row each (kinds.Kind),
# searched by the Kind's own parameters.
WATCHED_KINDS = {
    kind.resource: kind
    for kind in (resources.TASK, resources.COMMUNICATION, resources.SERVICE_REQUEST)
}
SUPPORTED_TYPES = ("Observation", *WATCHED_KINDS)
PAYLOAD = "application/fhir+json"
SIGNATURE_HEADER = "X-Digifys-Signature"
TIMESTAMP_HEADER = "X-Digifys-Timestamp"
SECRET_HEADER = "X-Digifys-Subscription-Secret"  # noqa: S105 - a header name
# Search parameters that make no sense for one new resource.
NOT_IN_CRITERIA = {"_id", "_sort", "_count", "_offset"}


def private_endpoint(url: str) -> bool:
    """True when URL's host is, or resolves to, a loopback, private, link-local or reserved
    address (refused unless FHIR_SUBSCRIPTION_ALLOW_PRIVATE_ENDPOINTS: no probing of the
    server's own network). A name that does not resolve is not private (it fails on sending)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            return True
        if ip.is_multicast or ip.is_unspecified:
            return True
    return False


def _endpoint_allowed(url: str) -> bool:
    return settings.FHIR_SUBSCRIPTION_ALLOW_PRIVATE_ENDPOINTS or not private_endpoint(url)


def _invalid(message: str, element: str = "Subscription.criteria", status: int = 422):
    return FhirError(status, "not-supported", message, expression=[element])


def parse_criteria(criteria: str) -> tuple[str, QueryDict]:
    """Split CRITERIA into its resource type and search parameters; refuse what the API cannot
    search (422, naming the type or parameter)."""
    resource_type, _mark, query = (criteria or "").strip().partition("?")
    if resource_type not in SUPPORTED_TYPES:
        raise _invalid(
            _("Subscriptions on %(type)s are not supported; criteria may search: %(types)s.")
            % {"type": resource_type[:64] or "?", "types": ", ".join(SUPPORTED_TYPES)}
        )
    params = QueryDict(mutable=True)
    try:
        parsed = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as error:
        raise _invalid(_("The criteria are not a search string.")) from error
    known = handlers.OBSERVATION_PARAMS
    if resource_type in WATCHED_KINDS:
        known = set(WATCHED_KINDS[resource_type].params)
    for key, values in parsed.items():
        if key in NOT_IN_CRITERIA or key not in known:
            raise _invalid(
                _("The search parameter %(name)s is not supported in subscription criteria.")
                % {"name": key[:100]}
            )
        params.setlist(key, values)
    return resource_type, params


def _with_ids(params: QueryDict, ids: list[str]) -> QueryDict:
    restricted = params.copy()
    restricted.setlist("_id", [",".join(ids)])
    return restricted


def _may_read(client: ApiClient, resource_type: str) -> bool:
    user = client.user
    return (
        client.revoked_at is None
        and client.expires_at > timezone.now()
        and user.is_active
        and auth.allows(client.scope_set, resource_type, "read")
        and getattr(user, "role", None) in handlers.CLINICAL
    )


def _base() -> str:
    site = (getattr(settings, "SITE_URL", "") or "http://localhost:8000").rstrip("/")
    return site + reverse("fhir:base")


# --- mapping -------------------------------------------------------------------------------------


def to_fhir(row: Subscription) -> FhirSubscription:
    channel = {"type": "rest-hook", "endpoint": row.endpoint}
    if row.payload:
        channel["payload"] = row.payload
    if row.headers:
        channel["header"] = row.headers
    return FhirSubscription.model_validate(
        {
            "resourceType": "Subscription",
            "id": str(row.pk),
            "status": row.status,
            "reason": row.reason or "—",
            "criteria": row.criteria,
            "channel": channel,
            **({"error": row.error} if row.error else {}),
        }
    )


def _incoming(ctx: Context) -> FhirSubscription:
    data = handlers._parse_json(ctx)
    if data.get("resourceType") != "Subscription":
        raise FhirError(
            400,
            "structure",
            _("Expected a resource of type Subscription."),
            expression=["Subscription.resourceType"],
        )
    resource = handlers._validate(FhirSubscription, data, "Subscription")
    channel = resource.channel
    if channel.type != "rest-hook":
        raise _invalid(_("Only the rest-hook channel is supported."), "Subscription.channel.type")
    endpoint = channel.endpoint or ""
    if not endpoint.startswith(("https://", "http://")) or len(endpoint) > 1000:
        raise _invalid(
            _("The channel needs an http(s) endpoint URL."), "Subscription.channel.endpoint"
        )
    if not _endpoint_allowed(endpoint):
        raise _invalid(
            _("The endpoint must be a public address, not one in the server's own network."),
            "Subscription.channel.endpoint",
        )
    if channel.payload not in (None, PAYLOAD):
        raise _invalid(
            _("The payload is application/fhir+json, or none for an empty notification."),
            "Subscription.channel.payload",
        )
    for index, header in enumerate(channel.header or []):
        name, colon, _value = header.partition(":")
        if not colon or not name.strip() or "\n" in header or "\r" in header:
            raise _invalid(
                _("A channel header is written 'Name: value'."),
                f"Subscription.channel.header[{index}]",
            )
    if not resource.criteria:
        raise _invalid(_("The subscription needs its criteria."))
    return resource


def _own(ctx: Context, id: str) -> Subscription:
    row = (
        Subscription.objects.filter(
            client=auth.api_client(ctx.client), pk__in=handlers._digits([id])
        )
        .filter(deleted_at__isnull=True)
        .first()
    )
    if row is None:
        raise handlers._not_found("Subscription", id)
    return row


# --- handlers ------------------------------------------------------------------------------------


def subscription_create(ctx: Context) -> Result:
    """POST Subscription: watch the criteria; the signing secret is in the response, only now."""
    client = auth.api_client(ctx.client)
    resource = _incoming(ctx)
    resource_type, params = parse_criteria(resource.criteria)
    if not _may_read(client, resource_type):
        raise FhirError(
            403,
            "forbidden",
            _("This API client may not read %(type)s, so it cannot subscribe to it.")
            % {"type": resource_type},
            expression=["Subscription.criteria"],
        )
    # Run the search once (on no resource) so that a malformed value is refused now, as the
    # search itself would refuse it.
    try:
        _matches(
            ctx, resource_type, params, ["0-panel"] if resource_type == "Observation" else ["0"]
        )
    except FhirError as error:
        raise FhirError(
            422, "invalid", error.diagnostics, expression=["Subscription.criteria"]
        ) from error
    secret = secrets.token_hex(32)
    row = Subscription.objects.create(
        client=client,
        status=Subscription.Status.ACTIVE,
        reason=(resource.reason or "")[:500],
        criteria=resource.criteria.strip(),
        resource_type=resource_type,
        endpoint=resource.channel.endpoint,
        payload=resource.channel.payload or "",
        headers=list(resource.channel.header or []),
        secret=secret,
    )
    return Result(
        201,
        to_fhir(row),
        {"Location": f"{ctx.base}/Subscription/{row.pk}", SECRET_HEADER: secret},
    )


def subscription_read(ctx: Context, id: str) -> Result:
    return Result(200, to_fhir(_own(ctx, id)))


def subscription_search(ctx: Context, params) -> Result:
    allowed = {"_id", "status", "_count", "_offset"}
    params = search.known(params, allowed, strict=search.is_strict(ctx.request))
    count, offset = search.count_and_offset(params)
    rows = Subscription.objects.filter(client=auth.api_client(ctx.client), deleted_at__isnull=True)
    ids = search.single(params, "_id")
    if ids is not None:
        rows = rows.filter(pk__in=handlers._digits(ids.split(",")))
    status = search.single(params, "status")
    if status is not None:
        rows = rows.filter(status__in=[code for _system, code in search.tokens(status)])
    total = rows.count()
    resources = [to_fhir(row) for row in rows.order_by("pk")[offset : offset + count]]
    return Result(
        200,
        search.searchset(params, f"{ctx.base}/Subscription", resources, total, count, offset),
    )


def subscription_update(ctx: Context, id: str) -> Result:
    """PUT Subscription/<id>: set its status to active (again, after an error) or off; the rest
    of a subscription is changed by deleting it and creating a new one."""
    resource = _incoming(ctx)
    with transaction.atomic():
        row = _own(ctx, id)
        row = Subscription.objects.select_for_update().get(pk=row.pk)
        same = (
            resource.criteria.strip() == row.criteria
            and resource.channel.endpoint == row.endpoint
            and (resource.channel.payload or "") == row.payload
            and list(resource.channel.header or []) == row.headers
        )
        if not same:
            raise FhirError(
                422,
                "not-supported",
                _("Only the status of a subscription can be changed; create a new one instead."),
                expression=["Subscription"],
            )
        if resource.status not in ("active", "requested", "off"):
            raise _invalid(
                _("A client sets a subscription's status to active or off."),
                "Subscription.status",
            )
        row.status = Subscription.Status.OFF if resource.status == "off" else "active"
        row.consecutive_failures = 0
        row.error = ""
        row.save(update_fields=["status", "consecutive_failures", "error"])
    return Result(200, to_fhir(row))


def subscription_delete(ctx: Context, id: str) -> Result:
    """DELETE Subscription/<id>: nothing more is sent (its delivery log is kept)."""
    row = _own(ctx, id)
    Subscription.objects.filter(pk=row.pk).update(
        status=Subscription.Status.OFF, deleted_at=timezone.now()
    )
    return Result(
        200,
        outcome([("informational", _("The subscription is deleted."), [])], severity="information"),
    )


# --- matching ------------------------------------------------------------------------------------


def _matches(ctx: Context, resource_type: str, params: QueryDict, ids: list[str]) -> list[str]:
    """The ids among IDS that the search PARAMS finds for the client of CTX (the search code of
    the interaction itself); a FhirError when the search refuses a value."""
    if resource_type == "Observation":
        pairs, _sets = handlers._matching_parts(ctx, _with_ids(params, ids))
        return [f"{pk}-{part}" for pk, part in pairs]
    rows = kinds.matching(ctx, WATCHED_KINDS[resource_type], _with_ids(params, ids))
    return [str(pk) for pk in rows.order_by("pk").values_list("pk", flat=True)]


def match_resource(resource_type: str, ids: list[str]) -> list[int]:
    """Queue a notification for every subscription on RESOURCE_TYPE whose criteria the new or
    changed resources IDS match, as that client would find them; return the notifications'
    ids."""
    waiting = Subscription.objects.filter(
        resource_type=resource_type,
        status__in=[Subscription.Status.ACTIVE, Subscription.Status.ERROR],
    ).select_related("client__user")
    created = []
    for row in waiting:
        if not _may_read(row.client, resource_type):
            continue
        ctx = Context(request=None, client=row.client, base=_base())
        try:
            _resource_type, params = parse_criteria(row.criteria)
            found = _matches(ctx, resource_type, params, ids)
        except FhirError:
            continue
        if found:
            notification = SubscriptionNotification.objects.create(
                subscription=row,
                resource_type=resource_type,
                resource_ids=found,
                next_attempt_at=timezone.now(),
            )
            created.append(notification.pk)
    return created


def match_observation(observation_id: int) -> list[int]:
    """match_resource for a new set of vital signs (its parts are Observations of their own)."""
    return match_resource("Observation", [f"{observation_id}-{part}" for part in codes.PARTS])


# --- delivery ------------------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the ATTEMPTS-th failed attempt."""
    base = settings.FHIR_SUBSCRIPTION_RETRY_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.FHIR_SUBSCRIPTION_RETRY_MAX_SECONDS)
    return datetime.timedelta(seconds=seconds)


def _body(notification: SubscriptionNotification, log: bool) -> bytes | None:
    """The history Bundle of the notification's resources as the client sees them now (None
    when none is visible any more); b"" for a subscription without payload."""
    row = notification.subscription
    if not row.payload:
        return b""
    ctx = Context(request=None, client=row.client, base=_base())
    if notification.resource_type in WATCHED_KINDS:
        return _kind_body(ctx, notification, log)
    pairs = []
    for resource_id in notification.resource_ids:
        match = handlers.OBSERVATION_ID.fullmatch(resource_id)
        if match:
            pairs.append((int(match[1]), match[2]))
    visible = set(
        handlers.Observation.objects.visible_to(row.client.user)
        .filter(pk__in={pk for pk, _part in pairs})
        .values_list("pk", flat=True)
    )
    pairs = [pair for pair in pairs if pair[0] in visible]
    if not pairs or not _may_read(row.client, "Observation"):
        return None
    resources, residents = handlers._observation_resources(ctx, pairs)
    if log:
        log_read(ctx, residents, "fhir_subscription_notification")
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "history",
            "total": len(resources),
            "entry": [
                {
                    "fullUrl": f"{ctx.base}/Observation/{resource.id}",
                    "resource": resource,
                    "request": {"method": "POST", "url": "Observation"},
                    "response": {"status": "201 Created"},
                }
                for resource in resources
            ],
        }
    )
    return bundle.model_dump_json(exclude_none=True).encode()


def _kind_body(ctx: Context, notification: SubscriptionNotification, log: bool) -> bytes | None:
    """_body for a Task, Communication or ServiceRequest: each resource's current version; one
    at version 1 was created (POST), a later version is a change (PUT)."""
    resource_type = notification.resource_type
    kind = WATCHED_KINDS[resource_type]
    rows = list(
        kind.rows(ctx.user).filter(pk__in=kinds.digits(notification.resource_ids)).order_by("pk")
    )
    if not rows or not _may_read(notification.subscription.client, resource_type):
        return None
    if log:
        kinds._log(ctx, kind, rows)
    entries = []
    for row in rows:
        resource = kinds._versions(kind, row)[-1]
        created = resource.meta.versionId == "1"
        entries.append(
            {
                "fullUrl": f"{ctx.base}/{resource_type}/{resource.id}",
                "resource": resource,
                "request": {
                    "method": "POST" if created else "PUT",
                    "url": resource_type if created else f"{resource_type}/{resource.id}",
                },
                "response": {"status": "201 Created" if created else "200 OK"},
            }
        )
    bundle = Bundle.model_validate(
        {"resourceType": "Bundle", "type": "history", "total": len(entries), "entry": entries}
    )
    return bundle.model_dump_json(exclude_none=True).encode()


def _post(row: Subscription, notification: SubscriptionNotification, body: bytes) -> int:
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": f"{PAYLOAD}; charset=utf-8",
        "User-Agent": "digifys-fhir-subscriptions",
        "X-Digifys-Subscription": str(row.pk),
        "X-Digifys-Notification": str(notification.pk),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(row.secret, timestamp, body),
    }
    for header in row.headers:
        name, _colon, value = header.partition(":")
        headers.setdefault(name.strip(), value.strip())
    response = httpx.post(
        row.endpoint,
        content=body,
        headers=headers,
        timeout=settings.FHIR_SUBSCRIPTION_TIMEOUT,
        follow_redirects=False,
    )
    return response.status_code


def attempt(*, notification_id: int) -> tuple[str, datetime.datetime | None]:
    """POST one notification if it is due and nobody else has it; return its status after and,
    when it is to be tried again, when."""
    now = timezone.now()
    claimed = SubscriptionNotification.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=notification_id,
        status__in=[
            SubscriptionNotification.Status.QUEUED,
            SubscriptionNotification.Status.RETRYING,
        ],
        subscription__status__in=[Subscription.Status.ACTIVE, Subscription.Status.ERROR],
    ).update(status=SubscriptionNotification.Status.SENDING, attempts=F("attempts") + 1)
    notification = (
        SubscriptionNotification.objects.select_related("subscription__client__user")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return "missing", None
    if not claimed:
        return notification.status, None
    row = notification.subscription
    status_code, error = None, ""
    try:
        body = _body(notification, log=notification.attempts == 1)
        if body is None:
            notification.status = SubscriptionNotification.Status.GIVEN_UP
            notification.save(update_fields=["status"])
            DeliveryAttempt.objects.create(
                notification=notification,
                number=notification.attempts,
                error="The resource is no longer visible to the client; nothing was sent.",
            )
            return notification.status, None
        if not _endpoint_allowed(row.endpoint):
            raise httpx.ConnectError("The endpoint resolves to a private address; not sent.")
        status_code = _post(row, notification, body)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"{exc.__class__.__name__}: {exc}"[:500]
    DeliveryAttempt.objects.create(
        notification=notification,
        number=notification.attempts,
        status_code=status_code,
        error=error,
    )
    if not error:
        notification.status = SubscriptionNotification.Status.SENT
        notification.sent_at = timezone.now()
        notification.next_attempt_at = None
        notification.save(update_fields=["status", "sent_at", "next_attempt_at"])
        Subscription.objects.filter(pk=row.pk).exclude(status=Subscription.Status.OFF).update(
            status=Subscription.Status.ACTIVE, consecutive_failures=0, error=""
        )
        return notification.status, None
    Subscription.objects.filter(pk=row.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    Subscription.objects.filter(
        pk=row.pk,
        status=Subscription.Status.ACTIVE,
        consecutive_failures__gte=settings.FHIR_SUBSCRIPTION_ERROR_AFTER,
    ).update(status=Subscription.Status.ERROR)
    Subscription.objects.filter(pk=row.pk).update(error=error[:500])
    if notification.attempts >= settings.FHIR_SUBSCRIPTION_MAX_ATTEMPTS:
        notification.status = SubscriptionNotification.Status.GIVEN_UP
        notification.next_attempt_at = None
    else:
        notification.status = SubscriptionNotification.Status.RETRYING
        notification.next_attempt_at = timezone.now() + backoff(notification.attempts)
    notification.save(update_fields=["status", "next_attempt_at"])
    return notification.status, notification.next_attempt_at


LOG_SIZE = 200


def subscription_log(ctx: Context, id: str) -> Result:
    """GET Subscription/<id>/$delivery-log: its last attempts, newest first (JSON)."""
    row = _own(ctx, id)
    attempts = DeliveryAttempt.objects.filter(notification__subscription=row).order_by("-pk")
    log = {
        "subscription": str(row.pk),
        "status": row.status,
        "attempts": [
            {
                "notification": str(attempt.notification_id),
                "attempt": attempt.number,
                "at": attempt.at.isoformat(),
                "statusCode": attempt.status_code,
                "error": attempt.error,
            }
            for attempt in attempts[:LOG_SIZE]
        ],
    }
    return Result(200, Raw(json.dumps(log).encode(), "application/json"))


def due_notifications(*, limit: int = 500) -> list[int]:
    """Notifications waiting whose time has come (for the sweep)."""
    return list(
        SubscriptionNotification.objects.filter(
            status__in=[
                SubscriptionNotification.Status.QUEUED,
                SubscriptionNotification.Status.RETRYING,
            ],
            next_attempt_at__lte=timezone.now(),
        ).values_list("pk", flat=True)[:limit]
    )

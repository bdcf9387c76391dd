"""Access-matrix rows for notifications: everyone logged in has their own (no resident data)."""

from digifys.testing.access_matrix import FORBIDDEN, OK, REDIRECT, everyone, row

ROWS = {
    "notifications:list": (lambda w: {}, "get", everyone(OK)),
    "notifications:read": (lambda w: {}, "post", everyone(REDIRECT)),
    "notifications:badge": (lambda w: {}, "get", everyone(OK)),
    "notifications:preferences": (lambda w: {}, "get", everyone(OK)),
    "notifications:deliveries": (lambda w: {}, "get", everyone(OK)),
    "notifications:failed_deliveries": (
        lambda w: {},
        "get",
        row(FORBIDDEN, coordinator=OK, administrator=OK),
    ),
}

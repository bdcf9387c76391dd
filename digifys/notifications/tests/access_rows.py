"""Access-matrix rows for notifications: everyone logged in has their own (no resident data)."""

from digifys.testing.access_matrix import OK, REDIRECT, everyone

ROWS = {
    "notifications:list": (lambda w: {}, "get", everyone(OK)),
    "notifications:read": (lambda w: {}, "post", everyone(REDIRECT)),
    "notifications:badge": (lambda w: {}, "get", everyone(OK)),
}

"""Access-matrix rows for the accessibility statement (collected by the access matrix).

Public: everybody, logged in or not, reads the statement and may report a problem.
"""

from digifys.testing.access_matrix import OK, everyone

ROWS = {
    "accessibility:statement": (lambda w: {}, "get", everyone(OK, anonymous=OK)),
    "accessibility:report": (lambda w: {}, "get", everyone(OK, anonymous=OK)),
    "accessibility:report_sent": (lambda w: {}, "get", everyone(OK, anonymous=OK)),
}

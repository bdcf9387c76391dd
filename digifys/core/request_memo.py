"""A memo that lives for one read-only request (GET or HEAD), for facts a page asks for often.

The access policy (`careteams.policy`) answers "which residents may this user see?" with the same
set of subqueries for every list, record and check on a page: a resident page asks it for the
resident, each kind of record and the access log's purpose, the inbox for every consult, vital
sign and task it joins. Resolving the answer once per request and filtering by the ids is much
cheaper for both Python (building and compiling the subqueries) and PostgreSQL (an `IN (…)` list
on an index instead of an OR of hashed subplans).

The memo exists only while `RequestMemoMiddleware` serves a GET or HEAD request, so a request that
changes data (a POST that hands a consult over, opens emergency access, …) always asks the
database afresh, and nothing outlives the request: no cache across requests, users or threads
(a ContextVar is per thread and per asyncio task). Outside a request (tasks, services, tests
calling querysets directly) `current()` is None and callers query as before.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_memo: ContextVar[dict | None] = ContextVar("digifys_request_memo", default=None)

SAFE_METHODS = frozenset({"GET", "HEAD"})


def current() -> dict | None:
    """Return this request's memo, or None outside a read-only request."""
    return _memo.get()


@contextmanager
def scope():
    """Open a fresh memo for the duration of the block (one read-only request)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)

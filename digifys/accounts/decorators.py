"""The one role check for interfaces: which roles may use a view at all.

Which residents and records a user may see is decided elsewhere (careteams.policy, through each
model's `visible_to`); this only refuses a role that has no business with a page (403).
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

from digifys.accounts.models import Role


def require_role(user, *roles: Role) -> None:
    """Raise PermissionDenied (403) unless USER has one of ROLES."""
    if getattr(user, "role", None) not in roles:
        raise PermissionDenied


def role_required(*roles: Role):
    """Decorate a view open only to ROLES; put it below `login_required`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

"""Login stages that differ from allauth's defaults."""

from allauth.mfa.stages import AuthenticateStage as BaseAuthenticateStage

from . import authentication


class AuthenticateStage(BaseAuthenticateStage):
    """allauth's two-factor step, skipped after a login through the region's identity provider.

    The provider authenticates with SITHS card or BankID, which is already two-factor.
    """

    def _should_handle(self, request) -> bool:
        if self.login.user is not None and authentication.used_region_idp(request, self.login.user):
            return False
        return super()._should_handle(request)

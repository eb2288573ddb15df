from datetime import timedelta

from allauth.account.adapter import get_adapter
from allauth.mfa.utils import is_mfa_enabled
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from citas.core.compiled import CompiledQuery
from citas.core.tokens import hash_token
from citas.practices.selectors import current_membership

from .models import ApiToken

# last_used_at is informative; writing it on every request would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)

# Every API request reads its token: the query's SQL is built once per process (building it
# cost ten times what running it does).
_token_by_hash = CompiledQuery(
    lambda token_hash: ApiToken.objects.for_authentication(token_hash).order_by()[:1],
    "\x00token-hash\x00",
)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cit_…` → (user, ApiToken). Revoked, expired or unknown tokens get
    a 401. Each use stamps the time and the client address (at most once a minute)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Bearer <token>”."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = _token_by_hash.first(hash_token(raw))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid or was revoked."))
        # Django leaves `member` unset, rather than None, when the token has no practice.
        token.member = getattr(token, "member", None)
        if token.member is not None:  # the same rows, already read: no query for them later
            token.member.user, token.member.practice = token.user, token.practice
        now = timezone.now()
        if token.expires_at <= now:
            expired = formats.date_format(timezone.localtime(token.expires_at), "DATE_FORMAT")
            raise exceptions.AuthenticationFailed(
                _("This token expired on %(date)s. Renew it on your token page.")
                % {"date": expired}
            )
        ip = get_adapter().get_client_ip(request._request)
        stale = token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION
        if stale or token.last_used_ip != ip:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class TwoFactorSessionAuthentication(authentication.SessionAuthentication):
    """The browser session, with the practice's two-step verification rule: a member the
    policy covers who has not set it up gets a 403 from every API route, as the practice pages
    send them to the setup page (tokens need it already: the token page is behind it)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        membership = current_membership(request._request)
        if membership and membership.needs_two_factor and not is_mfa_enabled(result[0]):
            raise exceptions.PermissionDenied(
                _(
                    "Your practice requires two-step verification. Set it up at "
                    "%(url)s before using the API."
                )
                % {"url": reverse("mfa_index")},
                code="two_factor_required",
            )
        return result

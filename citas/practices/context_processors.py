from .selectors import current_membership


def current_practice(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    return {
        "current_membership": membership,
        "current_practice": membership.practice if membership else None,
        "user_memberships": request._memberships,
    }

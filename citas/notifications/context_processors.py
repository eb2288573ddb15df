import functools

from citas.practices.selectors import current_membership

from .selectors import failed_notification_count


def failed_notifications(request):
    """The managers' nav shows how many notifications failed; counted only when shown."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    if membership is None or not membership.can_manage:
        return {}
    # A callable: templates call it where they show it, and it counts once per request.
    return {
        "failed_notification_count": functools.cache(
            lambda: failed_notification_count(membership.practice)
        )
    }

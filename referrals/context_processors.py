from . import policy


def cabinet(request):
    """Unread notices for the bell and what the menu may offer (policy rules); only on workspace pages."""
    if not request.path.startswith("/cabinet/") or not request.user.is_authenticated:
        return {}
    return {
        "unread_notifications": request.user.notifications.filter(read_at__isnull=True).count(),
        "menu": {rule.replace(".", "_"): policy.can(request.user, rule) for rule in policy.WORKSPACE_RULES},
    }

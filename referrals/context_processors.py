from . import policy


def cabinet(request):
    """Unread notices for the bell; only on workspace pages, only for signed-in users."""
    if not request.path.startswith("/cabinet/") or not request.user.is_authenticated:
        return {}
    return {
        "unread_notifications": request.user.notifications.filter(read_at__isnull=True).count(),
        "can_consilium": policy.can(request.user, "consilium.list"),
        "can_registers": policy.can(request.user, "registers.view"),
    }

"""«Блокировки входа» in the Wagtail admin (superusers): the accounts and addresses locked after failed sign-ins
to the workspace, and unlocking them. Every unlock is a SecurityEvent with the administrator as actor."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import lockout


@require_http_methods(["GET", "POST"])
def lockouts_view(request):
    if not request.user.is_superuser:
        raise PermissionDenied
    if request.method == "POST":
        scope, key = request.POST.get("scope", ""), request.POST.get("key", "").strip()[:255]
        if scope not in (lockout.ACCOUNT, lockout.ADDRESS) or not key:
            messages.error(request, _("Не указано, что разблокировать."))
        else:
            target = {"username": key} if scope == lockout.ACCOUNT else {"address": key}
            lockout.unlock(**target, actor=request.user, via="админка, «Блокировки входа»")
            messages.success(request, _("Блокировка снята: %(key)s.") % {"key": key})
        return redirect("referrals_lockouts")
    lockout.record_expired_lockouts()
    context = {"lockouts": lockout.current_lockouts(), "ACCOUNT": lockout.ACCOUNT}
    return render(request, "referrals/admin/lockouts.html", context)

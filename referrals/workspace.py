"""What every view of «Кабинет» shares: both factors and membership (`workspace_view`), the policy's verdict
(`require`), the log of every read of personal data (`log`), paging and file answers.

Records a user may not open answer 404 (their existence is itself confidential); actions a user may not take on a
record they can open answer 403. Who may do what is decided by `referrals/policy.py` alone.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import policy, services
from .security import client_address


def client_ip(request) -> str | None:
    return client_address(request)  # behind nginx on gunicorn's unix socket REMOTE_ADDR is empty


def workspace_view(view):
    """Signed in with both factors, and a member of the network. Never cached by browsers or proxies."""

    @wraps(view)
    @never_cache
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_verified():
            return redirect(reverse("referrals:login") + "?" + urlencode({"next": request.path}))
        if not policy.is_workspace_user(user):
            raise PermissionDenied(_("Нет доступа к кабинету."))
        return view(request, *args, **kwargs)

    return wrapper


# Views call services as `try: … except services.NotAllowed: raise PermissionDenied … except services.ServiceError:
# show it`. The clauses repeat in each view on purpose: NotAllowed is a ServiceError, so it must be caught first
# (a policy refusal is a 403, never a message), and what another refusal becomes differs per view (a field's error,
# the form's error, a message on the page it returns to).
def require(user, action, obj=None):
    if not policy.can(user, action, obj):
        raise PermissionDenied(_("Недостаточно прав для этого действия."))


def log(request, obj, case, fields, purpose, organization_id=None):
    services.log_access(
        user=request.user,
        obj=obj,
        case=case,
        fields=fields,
        purpose=purpose,
        ip_address=client_ip(request),
        organization_id=organization_id,
    )


LIST_PAGE_SIZE = 50  # rows per page of the workspace lists (inbox, cases, notifications)


def paginate(request, queryset, total: int | None = None):
    """One page of a list; `total` (already counted, e.g. the inbox tab sizes) saves the COUNT query."""
    paginator = Paginator(queryset, LIST_PAGE_SIZE)
    if total is not None:
        paginator.count = total  # a cached_property: set on the instance, Paginator never counts
    return paginator.get_page(request.GET.get("page"))


def file_response(data: bytes, content_type: str, stem: str) -> HttpResponse:
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(content_type, "bin")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response

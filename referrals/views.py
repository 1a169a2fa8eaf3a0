"""«Кабинет»: signing in and out, and the home desk each role needs. The other views are by subject:
`case_views`, `consent_views`, `programme_views`, `referral_views`, `consilium_views`, `document_views`,
`report_views`; what they share is in `workspace`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import policy, selectors, services
from .forms import (
    LoginForm,
)
from .workspace import workspace_view


@never_cache
def login_view(request):
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        otp_login(request, form.otp_device)
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or not target.startswith(
            "/cabinet/"
        ):
            target = reverse("referrals:home")
        return redirect(target)
    return render(request, "referrals/login.html", {"form": form})


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.info(request, _("Вы вышли из кабинета."))
    return redirect("referrals:login")


@workspace_view
def home(request):
    user = request.user
    context = {"can": {rule.replace(".", "_"): policy.can(user, rule) for rule in policy.WORKSPACE_RULES}}
    if policy.can(user, "curator.desk"):
        context["desk"] = selectors.curator_desk(user)
        context["caseload"] = services.caseload(user)
    if policy.can(user, "head.dashboard"):
        context["head"] = selectors.head_dashboard(user)
    if policy.can(user, "partner.inbox"):
        _ids, context["inbox_counts"] = selectors.partner_inbox(user, "new")
    return render(request, "referrals/home.html", context)

"""Workspace sessions end after CABINET_IDLE_MINUTES without a request (a shared office computer)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

SESSION_KEY = "cabinet_last_seen"


class CabinetSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/cabinet/") and request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(SESSION_KEY)
            if last_seen is not None and now - last_seen > settings.CABINET_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    _("Сеанс завершён после %(minutes)s минут бездействия. Войдите снова.")
                    % {"minutes": settings.CABINET_IDLE_MINUTES},
                )
                return redirect(reverse("referrals:login") + "?" + urlencode({"next": request.path}))
            request.session[SESSION_KEY] = now
        return self.get_response(request)

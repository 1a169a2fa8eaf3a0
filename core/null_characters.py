"""Requests carrying a NUL character (U+0000) in the path, the query string or the form data are refused with
400 before any view runs. PostgreSQL text cannot hold NUL: such a value reaching a query (a search filter, a
kiosk query, the username django-axes records for a failed login) was a server error. Forms already refuse NUL
in their own fields (Django's ProhibitNullCharactersValidator); this covers raw parameters and third-party code.
Found by tests/security/test_hypothesis_forms.py on PostgreSQL."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


def _has_nul(query_dict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists())


class RejectNullCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        form_body = request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
        if NUL in request.path or _has_nul(request.GET) or (form_body and _has_nul(request.POST)):
            message = _("Запрос содержит недопустимый символ (NUL). Проверьте введённые данные.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

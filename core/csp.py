"""Content-Security-Policy (django-csp): one strict policy for the whole site (CONTENT_SECURITY_POLICY in
settings), no 'unsafe-inline' scripts or styles.

The public site, the kiosk, the workspace and the API's Swagger UI run only scripts and styles from the site's
own static files. The Wagtail admin (`/admin/`) is the one place that still needs inline scripts and styles
(Wagtail's own templates): it gets the same policy with 'unsafe-inline' added to script-src and style-src only;
framing, forms, plugins and the base URI stay as strict as everywhere else.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts

ADMIN_PREFIX = "/admin/"
ADMIN_RELAXED = {"script-src": [SELF, UNSAFE_INLINE], "style-src": [SELF, UNSAFE_INLINE]}


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the Wagtail admin's one exception (see the module docstring)."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIX):
            # A nonce next to 'unsafe-inline' would make browsers ignore 'unsafe-inline': none here.
            parts.replace = {**(parts.replace or {}), **ADMIN_RELAXED}
            parts.nonce = None
        return parts

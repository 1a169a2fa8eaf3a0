from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps import Sitemap as PageSitemap
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from core import health, metrics
from directory.api import api, unknown_address, versions
from directory.sitemaps import OrganizationSitemap, ServiceSitemap
from referrals import intake, referral_views
from website import accessibility, public_files
from website.guide import views as guide_views

# The database down or the disk full answer 503 / 507 pages instead of 500 (core/errors.py).
handler500 = "core.errors.server_error"

urlpatterns = [
    path("robots.txt", public_files.robots_txt, name="robots_txt"),
    path("favicon.ico", public_files.favicon_ico, name="favicon_ico"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"pages": PageSitemap, "services": ServiceSitemap, "organizations": OrganizationSitemap}},
    ),
    path("api/", versions, name="api-versions"),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown_address),  # after the API's own routes: JSON 404, never HTML
    path("kiosk/", include("website.kiosk.urls")),
    path("cabinet/", include("referrals.urls")),
    path("feedback/<str:token>/", referral_views.feedback_public, name="feedback"),
]
# The public directory, the request for help and the version switch follow the language like the pages do:
# Russian without a prefix (/services/), the others under theirs (/en/services/, /tyv/help/); {% url %} keeps it.
urlpatterns += i18n_patterns(
    path("", include("search.urls")),  # the results page (/services/) and autocomplete (/search/…)
    path("a11y/", accessibility.switch, name="a11y"),
    path("help/", intake.help_request_view, name="help_request"),
    path("help/sent/", intake.help_request_sent, name="help_request_sent"),
    path("guide/", guide_views.guide, name="guide"),
    path("", include("directory.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Pages: Russian without a prefix, the other languages under /en/, /tyv/, /tt/ (see LANGUAGES).
urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=False)

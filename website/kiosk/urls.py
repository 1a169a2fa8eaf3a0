from django.urls import path

from . import views

app_name = "kiosk"
urlpatterns = [
    path("<slug:code>/", views.start, name="start"),
    path("<slug:code>/help/", views.categories, name="categories"),
    path("<slug:code>/situations/", views.situations, name="situations"),
    path("<slug:code>/hotlines/", views.hotlines, name="hotlines"),
    path("<slug:code>/results/", views.results, name="results"),
    path("<slug:code>/services/<int:pk>/", views.service, name="service"),
    path("<slug:code>/services/<int:pk>/slip/", views.slip, name="slip"),
    path("<slug:code>/offline/", views.offline, name="offline"),
    path("<slug:code>/settings/", views.set_preferences, name="preferences"),
    path("<slug:code>/reset/", views.reset, name="reset"),
    path("<slug:code>/suggest/", views.suggest, name="suggest"),
    path("<slug:code>/heartbeat/", views.heartbeat, name="heartbeat"),
    path("<slug:code>/offline.json", views.offline_manifest, name="offline_manifest"),
    path("<slug:code>/sw.js", views.service_worker, name="service_worker"),
]

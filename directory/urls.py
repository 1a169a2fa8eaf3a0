from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("services/<int:pk>/", views.service_detail, name="service"),
    path("services/<int:pk>/print/", views.service_detail, {"printable": True}, name="service_print"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("organizations/<int:pk>/print/", views.organization_detail, {"printable": True}, name="organization_print"),
]

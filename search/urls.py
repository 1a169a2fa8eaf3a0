from django.urls import path

from . import views

app_name = "search"
urlpatterns = [
    path("services/", views.results, name="results"),
    path("search/autocomplete/", views.autocomplete, name="autocomplete"),
]

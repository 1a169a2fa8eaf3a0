"""The synonyms and abbreviations dictionary of the public search, editable in the Wagtail admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Synonym


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "search"
    menu_label = _("Синонимы поиска")
    menu_name = "search-synonyms"
    menu_order = 900
    add_to_admin_menu = True
    list_display = ["term", "expansions", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["term", "expansions"]
    ordering = ["term"]
    panels = [FieldPanel("term"), FieldPanel("expansions"), FieldPanel("is_active")]


register_snippet(SynonymViewSet)

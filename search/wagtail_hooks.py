"""The dictionaries of the public search, editable in the Wagtail admin: synonyms and abbreviations, families'
words, words of danger."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import CrisisTerm, FamilyPhrase, Synonym


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


class FamilyPhraseViewSet(SnippetViewSet):
    model = FamilyPhrase
    icon = "search"
    menu_label = _("Слова семей")
    menu_name = "search-family-phrases"
    menu_order = 901
    add_to_admin_menu = True
    list_display = ["phrases", "terms", "language", "is_active"]
    list_filter = ["language", "is_active"]
    search_fields = ["phrases", "terms"]
    ordering = ["language", "phrases"]
    panels = [FieldPanel("phrases"), FieldPanel("terms"), FieldPanel("language"), FieldPanel("is_active")]


class CrisisTermViewSet(SnippetViewSet):
    model = CrisisTerm
    icon = "warning"
    menu_label = _("Слова опасности")
    menu_name = "search-crisis-terms"
    menu_order = 902
    add_to_admin_menu = True
    list_display = ["term", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["term"]
    ordering = ["term"]
    panels = [FieldPanel("term"), FieldPanel("is_active")]


register_snippet(FamilyPhraseViewSet)
register_snippet(CrisisTermViewSet)

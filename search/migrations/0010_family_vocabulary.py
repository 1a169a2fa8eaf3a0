"""The starting vocabulary of families' words and the words of danger (`search.vocabulary_data`). Entries that
editors have already changed or removed are not brought back: a phrase is added only when it is not there."""

from django.db import migrations


def load(apps, schema_editor):
    from search import vocabulary_data

    FamilyPhrase = apps.get_model("search", "FamilyPhrase")
    CrisisTerm = apps.get_model("search", "CrisisTerm")
    existing = set(FamilyPhrase.objects.values_list("phrases", flat=True))
    FamilyPhrase.objects.bulk_create(
        FamilyPhrase(phrases=phrases, terms=terms, language=language)
        for phrases, terms, language in vocabulary_data.PHRASES
        if phrases not in existing
    )
    known = {term.lower() for term in CrisisTerm.objects.values_list("term", flat=True)}
    terms = list(dict.fromkeys(term.strip() for term in vocabulary_data.CRISIS_TERMS if term.strip()))
    CrisisTerm.objects.bulk_create(CrisisTerm(term=term) for term in terms if term.lower() not in known)


class Migration(migrations.Migration):
    dependencies = [("search", "0009_family_phrases_and_crisis_terms")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

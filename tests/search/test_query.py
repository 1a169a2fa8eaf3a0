"""Query understanding: keyboard layout, ё/е, synonyms and abbreviations, typos, stop words."""

import time

import pytest

from search import query
from search.models import Synonym
from search.query import parse

pytestmark = pytest.mark.usefixtures("fresh_vocabulary")


# ---------------------------------------------------------------------------------------------- layout


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gjcj,bt", "пособие"),
        ("wpy", "цзн"),
        ("kjujgtl", "логопед"),
        ("ghbdtn", "привет"),
        ("Gjcj,bt", "Пособие"),
        ("gjvjom ltnzv", "помощь детям"),
    ],
)
def test_latin_typed_on_russian_layout_is_repaired(typed, meant):
    parsed = parse(typed)
    assert parsed.text == meant
    assert parsed.corrected is True
    assert parsed.original == typed


@pytest.mark.django_db
def test_layout_repair_runs_before_punctuation_is_dropped():
    # «,» is «б» and «.» is «ю» on the Russian layout: stripping punctuation first would lose letters.
    assert parse("gjcj,bt").lemmas == ["пособие"]
    assert parse("ghbdtn? gjcj,bt").lemmas == ["привет", "пособие"]


@pytest.mark.django_db
def test_mixed_query_repairs_only_the_latin_words():
    parsed = parse("психолог lkz gjlhjcnrf")
    assert parsed.text == "психолог для подростка"
    assert parsed.lemmas == ["психолог", "подросток"]  # «для» is a stop word
    assert parsed.corrected is True


@pytest.mark.django_db
def test_cyrillic_typed_on_latin_layout_is_repaired():
    assert parse("ысрщщд").text == "school"
    parsed = parse("щтдшту")
    assert parsed.text == "online"
    assert "онлайн" in parsed.expansions["online"]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["help", "online", "3d принтер", "витамин c", "психолог"])
def test_words_meant_as_typed_are_not_converted(typed):
    parsed = parse(typed)
    assert parsed.text == typed
    assert parsed.corrected is False


# ------------------------------------------------------------------------------------- normalisation


@pytest.mark.django_db
def test_yo_is_folded_to_ye_and_words_are_lemmatised():
    parsed = parse("Ёлочка для ребёнка")
    assert parsed.lemmas == ["елочка", "ребенок"]
    assert parsed.corrected is False
    assert parse("ЛОГОПЕДЫ").lemmas == ["логопед"]


def test_empty_query():
    for raw in ("", "   ", None, "?!…"):
        parsed = parse(raw)
        assert parsed.is_empty
        assert parsed.lemmas == []
        assert parsed.expansions == {}
        assert parsed.corrected is False
        assert parsed.suggestion == ""


@pytest.mark.django_db
def test_stop_words_only_query_is_empty():
    parsed = parse("и в на для")
    assert parsed.is_empty
    assert parsed.expansions == {}
    assert parsed.suggestion == ""


@pytest.mark.django_db
def test_long_query_is_cut():
    assert len(parse("психолог " * 100).original) == 200


# ------------------------------------------------------------------------------------------ synonyms


@pytest.mark.django_db
def test_default_dictionary_is_loaded_by_migration():
    assert Synonym.objects.filter(is_active=True).count() >= 30
    assert Synonym.objects.filter(term="ЦЗН").exists()
    assert str(Synonym._meta.verbose_name) == "синоним / сокращение"


@pytest.mark.django_db
def test_abbreviation_expands_to_full_name():
    parsed = parse("ЦЗН")
    assert parsed.lemmas == ["цзн"]
    assert "центр занятость население" in parsed.expansions["цзн"]
    assert "биржа труд" in parsed.expansions["цзн"]
    assert parsed.alternatives("цзн")[0] == "цзн"


@pytest.mark.django_db
def test_full_name_expands_to_abbreviation():
    parsed = parse("центр занятости")
    assert parsed.lemmas == ["центр", "занятость"]
    # Every lemma of a matched phrase gets the alternatives, so AND of (lemma OR alternatives) works.
    assert "цзн" in parsed.expansions["центр"]
    assert "цзн" in parsed.expansions["занятость"]


@pytest.mark.django_db
def test_colloquial_phrase_expands():
    parsed = parse("биржа труда")
    assert "цзн" in parsed.expansions["биржа"]
    assert "центр занятость" in parsed.expansions["биржа"]
    assert parsed.expansions["биржа"] == parsed.expansions["труд"]


@pytest.mark.django_db
def test_guardianship_both_directions():
    assert "ооип" in parse("опека").expansions["опека"]
    assert "опека" in parse("ООиП").expansions["ооип"]
    assert "орган опека попечительство" in parse("ооип").expansions["ооип"]


@pytest.mark.django_db
def test_phrase_with_stop_word_matches():
    parsed = parse("КДН и ЗП")
    assert parsed.lemmas == ["кдн", "зп"]
    assert "комиссия дело несовершеннолетний защита право" in parsed.expansions["кдн"]
    assert "кдн" in parsed.expansions["зп"]


@pytest.mark.django_db
def test_layout_repaired_abbreviation_expands():
    parsed = parse("wpy")
    assert parsed.lemmas == ["цзн"]
    assert "служба занятость" in parsed.expansions["цзн"]


@pytest.mark.django_db
def test_editing_the_dictionary_takes_effect_at_once():
    assert parse("эвакуатор").expansions == {}
    synonym = Synonym.objects.create(term="эвакуатор", expansions="неотложка, 103")
    assert parse("эвакуатор").expansions == {"эвакуатор": ["неотложка", "103"]}

    synonym.expansions = "неотложная помощь"
    synonym.save()
    assert parse("неотложная помощь").expansions["неотложный"] == ["эвакуатор"]

    synonym.is_active = False
    synonym.save()
    assert parse("эвакуатор").expansions == {}

    synonym.is_active = True
    synonym.save()
    assert parse("эвакуатор").expansions
    synonym.delete()
    assert parse("эвакуатор").expansions == {}


# --------------------------------------------------------------------------------------------- typos


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("логопэд", "логопед"),
        ("психолк", "психолог"),
        ("пасобие", "пособие"),
        ("логопэда в Кызыле", "логопед в Кызыле"),
    ],
)
def test_typos_are_repaired(typed, meant):
    parsed = parse(typed)
    assert parsed.text == meant
    assert parsed.corrected is True
    assert parsed.lemmas[0] == meant.split()[0]
    assert parsed.suggestion == ""


@pytest.mark.django_db
def test_repaired_typo_gets_synonyms():
    assert "выплата" in parse("пасобие").expansions["пособие"]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["логопед", "логопедическая помощь", "психол", "помощ", "Тандинский кожуун"])
def test_known_words_and_prefixes_are_left_alone(typed):
    parsed = parse(typed)
    assert parsed.text == typed
    assert parsed.corrected is False
    assert parsed.suggestion == ""


@pytest.mark.django_db
def test_uncertain_typo_gives_did_you_mean():
    Synonym.objects.create(term="шмыгалка", expansions="шмыгамка")
    parsed = parse("шмыгапка")  # one letter from both words
    assert parsed.corrected is False
    assert parsed.text == "шмыгапка"
    assert parsed.lemmas == [query.textmod.lemma("шмыгапка")]
    assert parsed.suggestion in {"шмыгалка", "шмыгамка"}


@pytest.mark.django_db
def test_uncertain_typo_in_demo_data_gives_did_you_mean():
    parsed = parse("вожный")  # «важный» or «водный»
    assert parsed.corrected is False
    assert parsed.suggestion in {"важный", "водный"}


@pytest.mark.django_db
def test_sure_and_unsure_typos_together():
    parsed = parse("логопэд вожный")
    assert parsed.text == "логопед вожный"
    assert parsed.corrected is True
    assert parsed.suggestion in {"логопед важный", "логопед водный"}


@pytest.mark.django_db
def test_real_word_not_indexed_is_not_replaced():
    parsed = parse("принтер")
    assert parsed.text == "принтер"
    assert parsed.corrected is False


@pytest.mark.django_db
def test_vocabulary_is_cached_and_can_be_reset():
    from directory.models import Service

    assert parse("шмыгалка").corrected is False
    service = Service.objects.filter(status=Service.Status.PUBLISHED).first()
    Service.objects.filter(pk=service.pk).update(search_text=service.search_text + "шмыгалка ")
    # Still cached: the unknown word is far from every indexed word, nothing changes.
    assert parse("шмыгалко").corrected is False
    query.vocabulary_reset()
    assert parse("шмыгалко").text == "шмыгалка"


# ---------------------------------------------------------------------------------------------- speed


@pytest.mark.django_db
def test_warm_parse_is_fast_and_queries_nothing(django_assert_num_queries):
    queries = ["психолог для подростка", "gjcj,bt", "логопэд в кызыле", "биржа труда", "КДН и ЗП"]
    for raw in queries:
        parse(raw)
    with django_assert_num_queries(0):
        started = time.perf_counter()
        for _ in range(20):
            for raw in queries:
                parse(raw)
        elapsed = (time.perf_counter() - started) / (20 * len(queries))
    assert elapsed < 0.005

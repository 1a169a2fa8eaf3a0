"""Search settings editors keep in the admin: the synonyms and abbreviations dictionary, the vocabulary of
families' words and the words of danger."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import KeyListField


class Synonym(models.Model):
    """A word or abbreviation as families type it, with the words that mean the same thing.

    Works both ways: a query with the term also finds the expansions, and a query with an expansion
    also finds the term (and the other expansions).
    """

    term = models.CharField(
        _("слово или сокращение"),
        max_length=100,
        unique=True,
        help_text=_("Как его пишут в поиске, например «ЦЗН» или «биржа труда»."),
    )
    expansions = models.TextField(
        _("равнозначные слова"),
        help_text=_("Через запятую, например: «центр занятости населения, служба занятости, биржа труда»."),
    )
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("синоним / сокращение")
        verbose_name_plural = _("синонимы и сокращения")

    def __str__(self):
        return self.term

    @property
    def expansion_list(self) -> list[str]:
        return [item.strip() for item in self.expansions.split(",") if item.strip()]


class FamilyPhrase(models.Model):
    """How families say it → the databank's terms: «не говорит в 3 года» → «логопед, развитие речи».

    One way only (unlike a synonym): a query with one of the phrases also finds the terms, never the reverse.
    A phrase matches the words of a query in order, in any grammatical form; «не» counts («не говорит» is not
    «говорит»). The starting vocabulary comes from `search.vocabulary_data`.
    """

    class Language(models.TextChoices):
        RUSSIAN = "ru", _("русский")
        ENGLISH = "en", _("английский")

    phrases = models.TextField(
        _("как говорят семьи"),
        help_text=_("Слова и фразы через запятую, как их пишут в поиске: «не говорит, задержка речи, картавит»."),
    )
    terms = models.TextField(
        _("что искать в банке данных"),
        help_text=_("Через запятую: виды помощи, категории, меры, названия услуг — «логопед, развитие речи»."),
    )
    language = models.CharField(_("язык"), max_length=2, choices=Language.choices, default=Language.RUSSIAN)
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        ordering = ["language", "phrases"]
        verbose_name = _("слова семей")
        verbose_name_plural = _("слова семей")

    def __str__(self):
        return self.phrases[:80]

    @property
    def phrase_list(self) -> list[str]:
        return [item.strip() for item in self.phrases.split(",") if item.strip()]

    @property
    def term_list(self) -> list[str]:
        return [item.strip() for item in self.terms.split(",") if item.strip()]


class CrisisTerm(models.Model):
    """A word or phrase of danger to life or to a child («хочу умереть», «избивает», «ребёнок пропал»): a query
    with it always shows the crisis block first (112, the children's helpline, the region's crisis centres)."""

    term = models.CharField(
        _("слово или фраза"),
        max_length=200,
        unique=True,
        help_text=_("Как его пишут в поиске, в любой форме: «покончить с собой», «бьёт ребёнка», «suicide»."),
    )
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("слово опасности")
        verbose_name_plural = _("слова опасности")

    def __str__(self):
        return self.term


class SearchGap(models.Model):
    """Anonymous daily count of public searches that found nothing or little: where the region lacks help.

    No address, session or user is kept; digits in the query are masked (a phone number typed by mistake).
    """

    day = models.DateField(_("день"))
    query = models.CharField(_("запрос"), max_length=100, blank=True)
    category = models.CharField(_("вид помощи (код)"), max_length=50, blank=True)
    municipality = models.CharField(_("район (код)"), max_length=60, blank=True)
    results = models.PositiveSmallIntegerField(_("найдено"))
    count = models.PositiveIntegerField(_("сколько раз"), default=0)

    class Meta:
        ordering = ["-day", "-count"]
        verbose_name = _("поиск без результатов")
        verbose_name_plural = _("поиски без результатов")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "query", "category", "municipality", "results"], name="search_gap_unique"
            )
        ]

    def __str__(self):
        return f"{self.day} «{self.query}»: {self.results}"


class SearchRow(models.Model):
    """The database engine's search table: one row per published service at a location.

    A copy of what the engine matches, filters, counts and sorts, without joins to the wide service table
    (`search.rows` keeps it in step; `manage.py search_index rebuild` rebuilds it). Ids are plain integers: the
    table is derived data, never a source. The database's own full-text index covers the two lemma columns
    (migration `search.0011`): a stored `tsvector` of each with a GIN index on PostgreSQL, the FTS5 table
    `search_fts` on SQLite, kept in step by triggers.
    """

    sal_id = models.BigIntegerField(primary_key=True)
    service_id = models.BigIntegerField(db_index=True)
    organization_id = models.BigIntegerField()
    location_id = models.BigIntegerField(db_index=True)
    is_24_7 = models.BooleanField(default=False)  # read by «open now» (`directory.selectors.open_now_q`)
    # The public place: empty when the address is confidential (never a distance to it).
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    name = models.CharField(max_length=300)  # the service's name: the order by name
    search_name = models.TextField(default="")  # lemmas, as directory.Service.search_name
    search_text = models.TextField(default="")  # lemmas, as directory.Service.search_text
    # What filters and facets read (`search.rows.row_keys`): `m:` district, `s:` settlement, `p:` type of
    # organisation, `g:` family category, `c:` category, `b:` category facet bucket, `d:` way of getting help,
    # `x:free`, `x:accessible`.
    keys = KeyListField()

    class Meta:
        indexes = [
            models.Index(fields=["name", "sal_id"], name="search_row_name"),
            models.Index(fields=["latitude", "longitude"], name="search_row_place"),
        ]

    def __str__(self):
        return f"{self.sal_id}: {self.name}"


class SearchState(models.Model):
    """One row: when the search table (or anything «open now» reads) last changed, in nanoseconds.

    Written in the changing transaction (a rollback brings the old value back); the key of the database
    engine's facet cache, read with one primary-key lookup instead of a scan of the table."""

    generation = models.BigIntegerField(default=0)

    def __str__(self):
        return str(self.generation)


class SearchOrganization(models.Model):
    """Organisations with a published service, with their names as autocomplete matches them (lower case,
    ё→е, words separated by one space, a leading space): `text LIKE '% prefix%'` is «a word starts with»."""

    organization_id = models.BigIntegerField(primary_key=True)
    text = models.TextField()

    def __str__(self):
        return self.text

"""Search settings editors keep in the admin: the synonyms and abbreviations dictionary."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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

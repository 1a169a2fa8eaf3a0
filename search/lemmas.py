"""The lemmatised search columns of a service (`Service.search_name`, `Service.search_text`): what the database
engine matches against. The distributed index's lemma fields are made by the same `lemma_texts`, so that the two
engines match the same words.

Pure computation: nothing here writes. `search.sync` writes the columns after an edit; the bulk writers (the
synthetic databank, the HSDS import) compute them in memory with `SearchColumns` before their inserts.
"""

from __future__ import annotations

from directory.models import Category, Organization, ProviderType, Service, TargetGroup

from .text import index_text


def lemma_texts(
    *,
    name: str,
    organization_names: tuple[str, str],
    provider_type_name: str,
    category_names: list[tuple[str, str]],
    target_group_names: list[str],
    description: str,
    eligibility: str,
) -> tuple[str, str]:
    """The lemmatised name and full text of a service, over plain values (the index rebuild reads them without
    model instances)."""
    full_text = index_text(
        name,
        *organization_names,
        provider_type_name,
        " ".join(full for full, _ in category_names),
        " ".join(short for _, short in category_names),
        " ".join(target_group_names),
        description,
        eligibility,
    )
    return index_text(name), full_text


def service_columns(service: Service) -> tuple[str, str]:
    """The columns of a saved service, read from its relations: its categories, then each one's parents, then its
    kinds of help (prefetch `categories__parent__parent`, `categories__kinds`, `target_groups` for many)."""
    categories = list(service.categories.all())
    related = list(categories)
    for category in categories:
        parent = category.parent
        while parent is not None:
            related.append(parent)
            parent = parent.parent
        related.extend(category.kinds.all())
    organization = service.organization
    provider_type = organization.provider_type if organization.provider_type_id else None
    return lemma_texts(
        name=service.name,
        organization_names=(organization.name, organization.short_name),
        provider_type_name=provider_type.name if provider_type else "",
        category_names=[(c.name, c.short_name) for c in related],
        target_group_names=[t.name for t in service.target_groups.all()],
        description=service.description,
        eligibility=service.eligibility,
    )


class SearchColumns:
    """`service_columns` over categories and groups held in memory (bulk writers: no query per service)."""

    def __init__(self):
        self.categories = {c.pk: c for c in Category.objects.all()}
        kinds: dict[int, list[Category]] = {}
        for group_id, kind_id in Category.kinds.through.objects.values_list("from_category_id", "to_category_id"):
            kinds.setdefault(group_id, []).append(self.categories[kind_id])
        # The order of `category.kinds.all()` and `service.categories.all()`: Category.Meta.ordering.
        self.kinds = {pk: sorted(rows, key=self.order) for pk, rows in kinds.items()}

    @staticmethod
    def order(category: Category):
        return (category.sort_order, category.code)

    def columns(
        self,
        *,
        name: str,
        organization: Organization,
        provider_type: ProviderType,
        categories: list[Category],
        target_groups: list[TargetGroup],
        description: str,
        eligibility: str,
    ) -> tuple[str, str]:
        categories = sorted(categories, key=self.order)
        ancestors = []
        for category in categories:
            parent_id = category.parent_id
            while parent_id is not None:
                parent = self.categories[parent_id]
                ancestors.append(parent)
                parent_id = parent.parent_id
            ancestors.extend(self.kinds.get(category.pk, []))
        groups = sorted(target_groups, key=lambda t: (t.sort_order, t.name))
        full_text = index_text(
            name,
            organization.name,
            organization.short_name,
            provider_type.name,
            " ".join(c.name for c in categories + ancestors),
            " ".join(c.short_name for c in categories + ancestors),
            " ".join(t.name for t in groups),
            description,
            eligibility,
        )
        return index_text(name), full_text

"""The categories of help as facets and the category filter need them (two queries)."""

from __future__ import annotations

from dataclasses import dataclass, field

from directory.models import Category

from .text import lemmas


@dataclass
class Taxonomy:
    """Public categories, the tree and the kinds of help of every group."""

    public: dict[int, tuple[str, str, int | None, str, int]]  # pk → (code, label, parent, scheme, sort_order)
    order: list[int]  # public pks in the model's order
    children: dict[int | None, list[int]]
    kind_groups: dict[int, list[int]]  # kind → groups naming it
    group_kinds: dict[int, list[int]]  # group → its kinds
    codes: dict[int, str] = field(default_factory=dict)  # every category, public or not
    names: dict[int, str] = field(default_factory=dict)  # name and short name, for `named`
    _words: dict[int, list[str]] | None = None
    _named: dict[tuple[str, ...], frozenset[int]] = field(default_factory=dict)  # asked before (a few per query)

    @classmethod
    def load(cls) -> Taxonomy:
        public, order, children, codes, names = {}, [], {}, {}, {}
        rows = Category.objects.values_list(
            "pk", "parent_id", "code", "name", "short_name", "scheme", "sort_order", "is_public"
        )
        for pk, parent_id, code, name, short_name, scheme, sort_order, is_public in rows:
            children.setdefault(parent_id, []).append(pk)
            codes[pk] = code
            names[pk] = f"{name} {short_name}"
            if is_public:
                public[pk] = (code, short_name or name, parent_id, scheme, sort_order)
                order.append(pk)
        kind_groups: dict[int, list[int]] = {}
        group_kinds: dict[int, list[int]] = {}
        for group_id, kind_id in Category.kinds.through.objects.values_list("from_category_id", "to_category_id"):
            kind_groups.setdefault(kind_id, []).append(group_id)
            group_kinds.setdefault(group_id, []).append(kind_id)
        return cls(public, order, children, kind_groups, group_kinds, codes, names)

    def named(self, words: list[str]) -> set[int]:
        """Categories whose name has, for every word, a lemma that starts with it: the kinds of help a query
        names («беременность» → «Беременность и рождение ребёнка»). Both engines rank them above the description."""
        key = tuple(words)
        if key not in self._named:
            if len(self._named) > 10_000:  # the taxonomy is reloaded every few minutes; never a random query's heap
                self._named.clear()
            if self._words is None:
                self._words = {pk: lemmas(name) for pk, name in self.names.items()}
            self._named[key] = frozenset(
                pk
                for pk, name_words in self._words.items()
                if words and all(any(word.startswith(prefix) for word in name_words) for prefix in words)
            )
        return set(self._named[key])

    def descendants(self, roots) -> set[int]:
        """As `directory.selectors.category_descendant_ids`: children, and for a kind the groups naming it."""
        result: set[int] = set()
        stack = list(roots)
        while stack:
            pk = stack.pop()
            if pk in result:
                continue
            result.add(pk)
            stack.extend(self.children.get(pk, []))
            stack.extend(self.kind_groups.get(pk, []))
        return result

    def buckets(self, category_id: int) -> set[int]:
        """The facet buckets a public category counts in: itself, its top public group, that group's kinds."""
        top = category_id
        while self.public[top][2] and self.public[top][2] in self.public:
            top = self.public[top][2]
        return {top, category_id, *self.group_kinds.get(top, [])}

    def bucket_map(self) -> dict[int, set[int]]:
        """Every public category → the facet buckets it counts in."""
        return {category_id: self.buckets(category_id) for category_id in self.public}

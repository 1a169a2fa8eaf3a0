"""StreamField blocks of the campaign pages: texts, callouts, steps, FAQ and two live widgets of the databank."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from directory import selectors
from directory.forms import NearForm
from search import cards, services
from search.engines.base import Hit

from . import page_values


def near_point(request):
    """The point a visitor chose (`?near=<settlement code>` or `?lat=&lon=`), or None."""
    if request is None:
        return None
    return NearForm(request.GET or None).point()


def nearby_services(categories, *, request=None, limit: int = 10):
    """Published services of the categories (and their subcategories): nearest first when a point was chosen."""
    codes = [c.code for c in categories if c is not None]
    near = near_point(request)
    if not codes:
        return {"hits": [], "total": 0, "near": near, "querystring": ""}
    results = services.search(
        filters={"category": codes}, near=near, sort="distance" if near else "name", per_page=limit
    )
    params = {"category": codes}
    if near is not None:
        params.update(near=request.GET.get("near", ""), lat=request.GET.get("lat", ""), lon=request.GET.get("lon", ""))
        params["sort"] = "distance"
    return {
        "hits": results.hits,
        "total": results.total,
        "near": near,
        "querystring": selectors.search_querystring(**params),
    }


def linked_services(service_ids, *, request=None, limit: int | None = 10):
    """The published places of the given services: nearest first when a point was chosen (within its radius).
    Without a point every service shows its first place (in the editors' order of the services) before any
    shows its second, so that one service with many offices does not fill the list. `limit=None`: all."""
    near = near_point(request)
    order = {pk: position for position, pk in enumerate(service_ids)}
    hits = []
    for card in cards.cards_of_services(order):
        distance = cards.distance_km(card, near) if near is not None else None
        if near is not None and near.radius_km is not None and distance is not None and distance > near.radius_km:
            continue
        hits.append(Hit(card, distance_km=distance))
    if near is not None:
        hits.sort(key=lambda hit: (hit.distance_km is None, hit.distance_km or 0.0))
    else:
        seen: dict[int, int] = {}  # places of each service so far
        keyed = []
        for hit in hits:
            service_id = hit.card.service_id
            keyed.append(((seen.get(service_id, 0), order[service_id]), hit))
            seen[service_id] = seen.get(service_id, 0) + 1
        hits = [hit for _key, hit in sorted(keyed, key=lambda pair: pair[0])]
    params = {"all": "1"}
    if near is not None:
        params.update(near=request.GET.get("near", ""), lat=request.GET.get("lat", ""), lon=request.GET.get("lon", ""))
    return {
        "hits": hits if limit is None else hits[:limit],
        "total": len(hits),
        "near": near,
        "querystring": selectors.search_querystring(**params),  # this page with every place listed
        "linked": True,
    }


class ParagraphBlock(blocks.RichTextBlock):
    class Meta:
        icon = "pilcrow"
        label = _("Абзац")
        template = "website/blocks/paragraph.html"
        features = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("вид"),
        choices=[("info", _("справка")), ("warning", _("предупреждение")), ("important", _("важно"))],
        default="info",
    )
    text = blocks.RichTextBlock(label=_("текст"), features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "warning"
        label = _("Выноска")
        template = "website/blocks/callout.html"


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("что сделать"), max_length=200)
    text = blocks.RichTextBlock(label=_("подробно"), required=False, features=["bold", "italic", "link", "ul"])

    class Meta:
        icon = "arrow-right"
        label = _("Шаг")
        template = "website/blocks/step.html"


class StepListBlock(blocks.ListBlock):
    def __init__(self, **kwargs):
        super().__init__(StepBlock(), **kwargs)

    class Meta:
        icon = "list-ol"
        label = _("Шаги")
        template = "website/blocks/step_list.html"


class NearbyServicesBlock(blocks.StructBlock):
    """Services of one category from the databank; nearest first when the visitor chose a settlement."""

    heading = blocks.CharBlock(label=_("заголовок"), required=False, max_length=200)
    category = SnippetChooserBlock("directory.Category", label=_("категория помощи"))
    count = blocks.IntegerBlock(label=_("сколько показать"), default=5, min_value=1, max_value=20)

    class Meta:
        icon = "site"
        label = _("Службы рядом")
        template = "website/blocks/nearby_services.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        context.update(nearby_services([value["category"]], request=request, limit=value["count"] or 5))
        return context


class HotlinesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("заголовок"), required=False, max_length=200)

    class Meta:
        icon = "mobile-alt"
        label = _("Телефоны помощи")
        template = "website/blocks/hotlines.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["hotline_items"] = page_values.hotline_list()
        return context


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("вопрос"), max_length=300)
    answer = blocks.RichTextBlock(label=_("ответ"), features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "help"
        label = _("Вопрос и ответ")
        template = "website/blocks/faq_item.html"


class DocumentItemBlock(blocks.StructBlock):
    """A document to bring (ЕГИССО docTypesList: name, origin, mandatory, comment)."""

    name = blocks.CharBlock(label=_("документ"), max_length=300)
    origin = blocks.CharBlock(label=_("кто выдаёт"), required=False, max_length=300)
    mandatory = blocks.BooleanBlock(label=_("обязателен"), required=False, default=True)
    comment = blocks.CharBlock(label=_("примечание"), required=False, max_length=500)

    class Meta:
        icon = "doc-full"
        label = _("Документ")
        template = "website/blocks/document_item.html"


class BodyBlock(blocks.StreamBlock):
    paragraph = ParagraphBlock()
    callout = CalloutBlock()
    steps = StepListBlock()
    nearby_services = NearbyServicesBlock()
    hotlines = HotlinesBlock()
    faq = FaqItemBlock()


class FaqBlock(blocks.StreamBlock):
    faq = FaqItemBlock()
    paragraph = ParagraphBlock()
    callout = CalloutBlock()

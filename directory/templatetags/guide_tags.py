"""Links to the printed guide (`/guide/`) from public pages."""

from urllib.parse import urlencode

from django import template

register = template.Library()


@register.simple_tag
def guide_query(params) -> str:
    """The guide's query string for the district and the kind of help chosen in a results query ('' if none).

    A booklet is for one district and one kind of help: the first of each chosen is taken."""
    pairs = []
    for source, target in (("municipality", "district"), ("category", "category")):
        values = [v for v in params.getlist(source) if v] if hasattr(params, "getlist") else []
        if values:
            pairs.append((target, values[0]))
    return urlencode(pairs)

"""What a long-lived application process (a gunicorn worker) does once it has loaded the application."""

import gc
import logging

from search import text

logger = logging.getLogger(__name__)

# Collections of the middle generation between two full collections (Python's default: 10).
FULL_COLLECTION_EVERY = 100


def freeze_loaded_objects() -> None:
    """Move the objects alive now to the garbage collector's permanent generation.

    Django, Wagtail, the models, the URL resolvers and the morphological dictionary (about 220,000 tracked
    objects) live as long as the process. Left in the oldest generation, every full collection walks all of
    them: 110–130 ms on the development machine, paid by whichever request happens to trigger it (the search
    benchmark's p95 was made of these pauses). Python's documentation recommends `gc.freeze()` for this.
    """
    text.lemma("загрузка")  # pymorphy3 loads its dictionary on first use: load it now, before freezing
    warm_search()
    gc.collect()
    gc.freeze()
    # A full collection still costs 10–20 ms (the cycles of the last searches that outlived the young generations,
    # prefetched model instances point at each other, and what was loaded since); by default one comes every ~20
    # searches, which puts it in the 95th percentile. Every ~200 instead: rarer and longer (up to 0.2–0.35 s,
    # measured), and the young generations are collected as often as before.
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def warm_search() -> None:
    """One search before the worker takes requests: the query parser's vocabulary of the databank, the synonyms,
    the names of the facets (seconds at 50,000 services) are read now, not by the first family's search."""
    from search import services  # inside: website.wsgi imports this module before Django is set up

    try:
        services.search("помощь семье", per_page=1)
    except Exception:  # no database yet (a first deploy before `migrate`): the first search reads them instead
        logger.warning("Search was not warmed up at start", exc_info=True)

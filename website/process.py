"""What a long-lived application process (a gunicorn worker) does once it has loaded the application."""

import gc


def freeze_loaded_objects() -> None:
    """Move the objects alive now to the garbage collector's permanent generation.

    Django, Wagtail, the models, the URL resolvers and the morphological dictionary (about 220,000 tracked
    objects) live as long as the process. Left in the oldest generation, every full collection walks all of
    them: 110–130 ms on the development machine, paid by whichever request happens to trigger it (the search
    benchmark's p95 was made of these pauses). Python's documentation recommends `gc.freeze()` for this.
    """
    from search import text

    text.lemma("загрузка")  # pymorphy3 loads its dictionary on first use: load it now, before freezing
    gc.collect()
    gc.freeze()

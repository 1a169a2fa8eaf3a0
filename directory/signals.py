"""What the databank tells the apps above it about its writes, without knowing who listens.

Every edit made row by row (admin, services, shell) sends Django's model signals; `is_databank` tells which
models' signals are edits of the databank. A write that sends none (`bulk_create`) sends `databank_changed`
instead. Search follows both (`search/receivers.py`, connected in `SearchConfig.ready`) and hands them to
`search.sync.databank_changed`.
"""

from django.dispatch import Signal

from .spreadsheet.models import SpreadsheetImport

# Sent by a writer of the databank whose write sends no model signals. Keyword arguments: those of
# `search.sync.databank_changed` (`services`, `organizations`, `service_at_locations`, `edited`).
databank_changed = Signal()

# Written by the spreadsheet import's own bookkeeping; never shown on a public page.
NOT_DATABANK = (SpreadsheetImport,)


def is_databank(model) -> bool:
    return model._meta.app_label == "directory" and not issubclass(model, NOT_DATABANK)

"""Hand every edit of the databank to `search.sync`: the model signals of an edit made row by row (admin,
services, shell) and the directory's own `databank_changed` for a write that sends none (`bulk_create`).

`search.sync.databank_changed` writes the database engine's search table in the editing transaction, the
lemmatised columns after commit, schedules the re-index of a distributed index and makes the cached public pages
stale. The rows a delete touches are collected before it (`search.sync.rows_of`): afterwards they are gone.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from directory.signals import databank_changed, is_databank

from . import sync


def saved(sender, instance, raw=False, **kwargs):
    if not raw and is_databank(sender):
        sync.databank_changed(edited=[instance])


def deleting(sender, instance, **kwargs):
    if is_databank(sender):
        instance._search_sal_ids = sync.rows_of(instance)


def deleted(sender, instance, **kwargs):
    if is_databank(sender):
        sync.databank_changed(edited=[instance], service_at_locations=getattr(instance, "_search_sal_ids", None) or ())


def relinked(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A many-to-many link (categories, family categories, languages, kinds of help of a group): `reverse` is
    `group.services.add(…)`, whose edited rows are the services named in `pk_set`."""
    if not action.startswith("post_") or not (is_databank(sender) or is_databank(type(instance))):
        return
    edited = [model(pk=pk) for pk in pk_set] if reverse and pk_set else [instance]
    sync.databank_changed(edited=edited)


def changed(sender, **kwargs):
    """`directory.signals.databank_changed`: its keyword arguments are those of `search.sync.databank_changed`."""
    kwargs.pop("signal", None)
    sync.databank_changed(**kwargs)


def connect() -> None:
    post_save.connect(saved, dispatch_uid="directory_search_saved")
    pre_delete.connect(deleting, dispatch_uid="directory_search_deleting")
    post_delete.connect(deleted, dispatch_uid="directory_search_deleted")
    m2m_changed.connect(relinked, dispatch_uid="directory_search_relinked")
    databank_changed.connect(changed, dispatch_uid="directory_search_changed")

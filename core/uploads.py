"""Uploads on a full disk leave nothing half-written.

- `TemporaryFileUploadHandler`: an upload bigger than FILE_UPLOAD_MAX_MEMORY_SIZE is spooled to a temporary file;
  if the disk fills up (ENOSPC) the partial file is deleted at once and the error goes on to `core.errors`,
  which answers 507 with a Russian page.
- `FileSystemStorage` (the default storage: documents and images of the editors): a file that could not be
  written to the end is removed, so no half-written file is left under MEDIA_ROOT and, since the model row is
  saved only after its file, no row points at it.
"""

from __future__ import annotations

import os

from django.core.files import storage, uploadhandler


class TemporaryFileUploadHandler(uploadhandler.TemporaryFileUploadHandler):
    def receive_data_chunk(self, raw_data, start):
        try:
            return super().receive_data_chunk(raw_data, start)
        except OSError:
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            raise

    def file_complete(self, file_size):
        try:
            return super().file_complete(file_size)
        except OSError:
            self.file.close()
            raise


class FileSystemStorage(storage.FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        existed = os.path.lexists(full_path)
        try:
            return super()._save(name, content)
        except OSError:
            if not existed and os.path.lexists(full_path):
                os.remove(full_path)
            raise

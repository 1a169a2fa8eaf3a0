"""Spreadsheet import for editors: an XLSX/CSV template, a row-by-row check and a recorded, revertible commit.

- `template.py` — the columns and the downloadable template (XLSX and CSV);
- `parse.py` — reading an uploaded file into rows (XLSX; CSV in UTF-8 or Windows-1251, «;» or «,»);
- `validate.py` — the check of every row against the databank (Russian messages per cell);
- `services.py` — commit (valid rows only, or nothing when any row has errors) and rollback;
- `views.py` / `admin_hooks.py` — the pages in the Wagtail admin («Банк данных» → «Импорт из таблицы»).
"""

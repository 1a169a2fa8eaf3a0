"""Open Referral HSDS 3.1 exchange: mapping, export (tabular package and JSON), import, schema validation.

The schema files in `schema/` are the Open Referral project's, under CC BY-SA 4.0 (see `schema/LICENSE`).
"""

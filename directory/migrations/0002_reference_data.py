"""Load the reference data shipped with the code (directory/reference_data.py) on `migrate`.

Idempotent: rows are matched by code and updated, so editors' own additions are kept.
"""

from datetime import date

from django.db import migrations

# Non-working public holidays (ст. 112 ТК РФ) with the 2026 transfers; editors extend the list yearly.
HOLIDAYS = [
    *[(date(2026, 1, d), "Новогодние каникулы и Рождество Христово") for d in range(1, 12)],
    (date(2026, 2, 23), "День защитника Отечества"),
    (date(2026, 3, 9), "Международный женский день (перенос)"),
    (date(2026, 5, 1), "Праздник Весны и Труда"),
    (date(2026, 5, 11), "День Победы (перенос)"),
    (date(2026, 6, 12), "День России"),
    (date(2026, 11, 4), "День народного единства"),
    (date(2026, 12, 31), "Новогодний выходной (перенос)"),
    *[(date(2027, 1, d), "Новогодние каникулы и Рождество Христово") for d in range(1, 9)],
    (date(2027, 2, 23), "День защитника Отечества"),
    (date(2027, 3, 8), "Международный женский день"),
    (date(2027, 5, 1), "Праздник Весны и Труда"),
    (date(2027, 5, 10), "День Победы (перенос)"),
    (date(2027, 6, 14), "День России (перенос)"),
    (date(2027, 11, 4), "День народного единства"),
]


def load(apps, schema_editor):
    from directory import reference_data as ref

    Category = apps.get_model("directory", "Category")
    Agency = apps.get_model("directory", "Agency")
    ProviderType = apps.get_model("directory", "ProviderType")
    TargetGroup = apps.get_model("directory", "TargetGroup")
    Language = apps.get_model("directory", "Language")
    Holiday = apps.get_model("directory", "Holiday")

    agencies = {}
    for order, row in enumerate(ref.AGENCIES):
        agencies[row["code"]], _ = Agency.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "sort_order": order}
        )
    for order, row in enumerate(ref.PROVIDER_TYPES):
        ProviderType.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "sort_order": order,
                "agency": agencies.get(ref.PROVIDER_TYPE_AGENCY.get(row["code"], "")),
            },
        )
    for order, row in enumerate(ref.TARGET_GROUPS):
        TargetGroup.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "description": row.get("description", ""), "sort_order": order},
        )
    for order, row in enumerate(ref.LANGUAGES):
        Language.objects.update_or_create(code=row["code"], defaults={"name": row["name"], "sort_order": order})

    counter = iter(range(1, 100_000))

    def put(row, scheme, parent=None, public=True):
        category, _ = Category.objects.update_or_create(
            code=row["code"],
            defaults={
                "scheme": scheme,
                "parent": parent,
                "name": row["name"],
                "short_name": row.get("short_name", "")[:60],
                "description": row.get("description", ""),
                "is_public": public,
                "sort_order": next(counter),
            },
        )
        return category

    kinds = {row["code"]: put(row, "kind") for row in ref.KINDS_OF_HELP}
    for group_row in ref.MEASURE_GROUPS:
        public = group_row.get("public", True)
        group = put(group_row, "measure", public=public)
        group.kinds.set([kinds[code] for code in group_row.get("kinds", [])])
        for item_row in group_row.get("items", []):
            item = put(item_row, "measure", parent=group, public=public)
            for sub_row in item_row.get("children", []):
                put(sub_row, "measure", parent=item, public=public)

    for day, name in HOLIDAYS:
        Holiday.objects.get_or_create(date=day, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

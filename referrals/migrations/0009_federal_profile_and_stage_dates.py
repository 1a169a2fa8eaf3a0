"""Load the shipped federal profile (seed 002) as the version in force, and date the stages of existing cases."""

import datetime
import json
from pathlib import Path

from django.db import migrations

FEDERAL = Path(__file__).resolve().parent.parent / "region_profiles" / "federal.json"
LISTS = ("family_categories", "circumstances", "closure_reasons", "decline_reasons", "outcomes", "not_completed_reasons")


def load_federal(apps, schema_editor):
    RegionProfile = apps.get_model("referrals", "RegionProfile")
    if RegionProfile.objects.exists() or not FEDERAL.exists():
        return
    ProfileLevel = apps.get_model("referrals", "ProfileLevel")
    ProfileCode = apps.get_model("referrals", "ProfileCode")
    ProgrammeTemplate = apps.get_model("referrals", "ProgrammeTemplate")
    TemplateMeasure = apps.get_model("referrals", "TemplateMeasure")
    data = json.loads(FEDERAL.read_text(encoding="utf-8"))
    deadlines = {key: value for key, value in data["deadlines"].items() if value is not None}
    profile = RegionProfile.objects.create(
        region=data["region"],
        name=data["name"],
        document=data["document"],
        valid_from=datetime.date.fromisoformat(data["valid_from"]),
        caseload_rule=data["caseload_rule"],
        reporting_periods=data["reporting_periods"],
        sources=data.get("sources") or {},
        **deadlines,
    )
    for order, level in enumerate(data["levels"]):
        ProfileLevel.objects.create(
            profile=profile,
            sort_order=order,
            code=level["code"],
            label=level["label"],
            purpose=level.get("purpose") or "",
            months=level.get("months"),
            caseload=level.get("caseload"),
        )
    for name in LISTS:
        for order, item in enumerate(data[name]):
            ProfileCode.objects.create(
                profile=profile,
                list=name,
                sort_order=order,
                code=item["code"],
                label=item["label"],
                note=item.get("algorithm") or item.get("note") or "",
                positive=bool(item.get("positive")),
            )
    for order, template_data in enumerate(data.get("programme_templates") or []):
        template = ProgrammeTemplate.objects.create(
            profile=profile,
            family_category=template_data["family_category"],
            title=template_data.get("title") or template_data["family_category"],
            sort_order=order,
        )
        for m_order, measure in enumerate(template_data.get("measures") or []):
            TemplateMeasure.objects.create(
                template=template,
                sort_order=m_order,
                section=measure["section"],
                category_code=measure.get("category") or measure["section"],
                description=measure["description"],
                zone=measure["zone"],
                days=measure.get("days", 30),
            )


def date_stages(apps, schema_editor):
    FamilyCase = apps.get_model("referrals", "FamilyCase")
    for case in FamilyCase.objects.all().iterator():
        case.applied_on = case.registration_date
        case.curator_assigned_on = case.registration_date
        if case.contract_date:
            case.accepted_on = case.contract_date
        if case.status == "closed":
            case.removed_on = case.closed_on
        case.save(update_fields=["applied_on", "curator_assigned_on", "accepted_on", "removed_on"])


class Migration(migrations.Migration):
    dependencies = [("referrals", "0008_region_profiles_and_procedure")]

    operations = [
        migrations.RunPython(load_federal, migrations.RunPython.noop),
        migrations.RunPython(date_stages, migrations.RunPython.noop),
    ]

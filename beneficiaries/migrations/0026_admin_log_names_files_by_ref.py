"""The admin's history (django_admin_log) written before it named files by their
reference kept "NAME First name (ref)": rewritten to the reference alone, so no name
stays there after an anonymisation or a deletion (beneficiaries/admin.py writes new
entries that way)."""

import re

from django.db import migrations

REF_AT_END = re.compile(r"\(([^()]+)\)\s*$")


def name_by_ref(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    Beneficiary = apps.get_model("beneficiaries", "Beneficiary")
    kind = ContentType.objects.filter(app_label="beneficiaries", model="beneficiary").first()
    if kind is None:
        return
    refs = dict(Beneficiary.objects.values_list("pk", "ref"))
    for entry in LogEntry.objects.filter(content_type=kind).iterator():
        ref = refs.get(int(entry.object_id)) if (entry.object_id or "").isdigit() else None
        if ref is None:
            found = REF_AT_END.search(entry.object_repr)
            ref = found[1] if found else "dossier supprimé"
        if entry.object_repr != ref:
            LogEntry.objects.filter(pk=entry.pk).update(object_repr=ref)


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0025_messaging_consent"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(name_by_ref, migrations.RunPython.noop)]

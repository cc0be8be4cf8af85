"""A file's referent counsellor (its caseload), never on an anonymised file.

On SQLite (the demo) the new constraint rebuilds the table: its triggers (audit,
attendance of the bilan, guard of anonymised files) are kept, and the audit's
compare the new column (`audit.operations.KeepingSqliteTriggers`).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from audit.operations import KeepingSqliteTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaries", "0019_appointments_anonymised_guard"),
        ("audit", "0005_follow_up_appointments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        KeepingSqliteTriggers(
            "beneficiaries_beneficiary",
            [
                migrations.AddField(
                    model_name="beneficiary",
                    name="referent",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="Le conseiller ou la conseillère qui suit la personne. Tout conseiller peut ouvrir le dossier et recevoir la personne.",
                        limit_choices_to={"groups__name": "conseiller", "is_active": True},
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="caseload",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="référent·e",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="beneficiary",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("anonymised_at__isnull", True), ("referent__isnull", True), _connector="OR"
                        ),
                        name="beneficiary_anonymised_no_referent",
                        violation_error_message="Un dossier anonymisé n'a pas de référent·e.",
                    ),
                ),
            ],
        ),
    ]

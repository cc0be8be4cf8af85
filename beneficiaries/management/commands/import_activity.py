"""Import past activity from spreadsheets: `manage.py import_activity --visits visits.csv [--dry-run]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beneficiaries.data_services import activity_import
from beneficiaries.imports import COLUMNS, FILE_LABELS, ImportPlan, ImportSource
from beneficiaries.services import BeneficiaryError


def plan_report(plan: ImportPlan) -> list[str]:
    """The preview as lines of text: one line a kind of row."""
    lines = []
    for label, tally in plan.summary():
        if tally.total:
            counts = f"{tally.created} à créer, {tally.updated} à modifier, {tally.unchanged} inchangé(s)"
            lines.append(f"{label} : {counts}")
    return lines or ["Aucune ligne à importer."]


class Command(BaseCommand):
    help = (
        "Importe des personnes, des rendez-vous et des sorties depuis des fichiers CSV ou XLSX "
        "(tout ou rien : une seule ligne invalide et rien n'est importé)."
    )

    def add_arguments(self, parser):
        for kind in COLUMNS:
            parser.add_argument(
                f"--{kind}",
                metavar="FICHIER",
                help=f"fichier des {FILE_LABELS[kind]} (colonnes : {', '.join(COLUMNS[kind])})",
            )
        parser.add_argument(
            "--dry-run", action="store_true", help="vérifier et résumer sans rien enregistrer"
        )

    def handle(self, *args, **options):
        sources = {}
        for kind in COLUMNS:
            if options[kind]:
                path = Path(options[kind])
                try:
                    sources[kind] = ImportSource(path.name, path.read_bytes())
                except OSError as error:
                    raise CommandError(f"{path} : fichier illisible ({error.strerror}).") from None
        if not sources:
            raise CommandError("Indiquez au moins un fichier : --beneficiaries, --visits ou --outcomes.")
        try:
            plan = activity_import(sources=sources, user=None, dry_run=options["dry_run"])
        except BeneficiaryError as error:
            raise CommandError(str(error)) from None
        for line in plan_report(plan):
            self.stdout.write(line)
        if plan.problems:
            for problem in plan.problems:
                self.stderr.write(str(problem))
            more = " (liste arrêtée : corrigez ces problèmes puis relancez)" if plan.truncated else ""
            raise CommandError(f"{len(plan.problems)} problème(s){more} : rien n'a été importé.")
        if options["dry_run"]:
            self.stdout.write("Simulation : rien n'a été enregistré.")
        else:
            self.stdout.write(self.style.SUCCESS("Import terminé."))

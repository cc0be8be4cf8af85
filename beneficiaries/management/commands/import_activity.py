"""Import past activity from spreadsheets: `manage.py import_activity --visits visits.csv [--dry-run]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from beneficiaries.data_services import activity_import
from beneficiaries.imports import COLUMNS, FILE_LABELS, NEW_PERSON, Decisions, ImportPlan, ImportSource
from beneficiaries.models import Beneficiary
from beneficiaries.services import BeneficiaryError
from core.params import ascii_int


def plan_report(plan: ImportPlan) -> list[str]:
    """The preview as lines of text: one line a kind of row."""
    lines = []
    for label, tally in plan.summary():
        if tally.total:
            counts = f"{tally.created} à créer, {tally.updated} à modifier, {tally.unchanged} inchangé(s)"
            lines.append(f"{label} : {counts}")
    return lines or ["Aucune ligne à importer."]


def duplicates_report(plan: ImportPlan) -> list[str]:
    """The persons who look like stored files and have no decision, by line and refs (no names)."""
    file = plan.files.get("beneficiaries", "")
    return [
        f"{file}, ligne {row.line} : ressemble "
        + ", ".join(f"au dossier {c.ref} ({c.reasons})" for c in row.candidates)
        for row in plan.undecided
    ]


class Command(BaseCommand):
    help = (
        "Importe des personnes, des permanences, des rendez-vous, des orientations, des sorties, "
        "des ateliers et des inscriptions aux ateliers depuis des fichiers CSV ou XLSX "
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
        parser.add_argument(
            "--same-person",
            action="append",
            default=[],
            metavar="LIGNE=REF",
            help="la ligne LIGNE du fichier des personnes est le dossier REF (doublon probable ; répétable)",
        )
        parser.add_argument(
            "--new-person",
            action="append",
            default=[],
            type=int,
            metavar="LIGNE",
            help="la ligne LIGNE du fichier des personnes est une nouvelle personne (répétable)",
        )
        parser.add_argument(
            "--create-anyway",
            action="store_true",
            help="créer un nouveau dossier pour chaque doublon probable sans autre choix",
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
            options_list = ", ".join(f"--{kind}" for kind in COLUMNS)
            raise CommandError(f"Indiquez au moins un fichier : {options_list}.")
        decisions = self.decisions(options)
        if decisions.choices and "beneficiaries" not in sources:
            raise CommandError(
                "--same-person et --new-person portent sur le fichier des personnes : "
                "indiquez-le avec --beneficiaries."
            )
        try:
            plan = activity_import(
                sources=sources, user=None, dry_run=options["dry_run"], decisions=decisions
            )
        except BeneficiaryError as error:
            raise CommandError(str(error)) from None
        for line in plan_report(plan):
            self.stdout.write(line)
        if plan.problems:
            for problem in plan.problems:
                self.stderr.write(str(problem))
            more = " (liste arrêtée : corrigez ces problèmes puis relancez)" if plan.truncated else ""
            raise CommandError(f"{len(plan.problems)} problème(s){more} : rien n'a été importé.")
        if plan.undecided:
            for line in duplicates_report(plan):
                self.stderr.write(line)
            raise CommandError(
                f"{len(plan.undecided)} personne(s) ressemblent à des dossiers existants : relancez avec "
                "--same-person LIGNE=REF ou --new-person LIGNE pour chacune (ou --create-anyway). "
                "Rien n'a été importé."
            )
        if options["dry_run"]:
            self.stdout.write("Simulation : rien n'a été enregistré.")
        else:
            self.stdout.write(self.style.SUCCESS("Import terminé."))

    def decisions(self, options) -> Decisions:
        choices: dict[int, str] = dict.fromkeys(options["new_person"], NEW_PERSON)
        for item in options["same_person"]:
            line, _, ref = item.partition("=")
            pk = Beneficiary.objects.filter(ref=ref.strip()).values_list("pk", flat=True).first()
            if ascii_int(line.strip()) is None or pk is None:
                raise CommandError(
                    f"--same-person {item} : écrivez LIGNE=REF, REF étant un dossier existant."
                )
            choices[ascii_int(line.strip())] = str(pk)
        return Decisions(choices=choices, create_anyway=options["create_anyway"], strict=True)

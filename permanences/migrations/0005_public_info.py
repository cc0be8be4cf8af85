"""The texts of the public schedule and posters (one row, default texts until an admin saves it)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("permanences", "0004_venue_public_fields"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicInfo",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="créé le")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="modifié le")),
                (
                    "organiser",
                    models.CharField(
                        blank=True,
                        help_text="Qui tient les permanences, ex. « Association Aurore, avec la Ville de Montreuil ».",
                        max_length=200,
                        verbose_name="organisé par",
                    ),
                ),
                (
                    "introduction",
                    models.TextField(
                        default="Un accueil gratuit, sans rendez-vous, au cœur des quartiers : une conseillère ou un conseiller emploi vous reçoit, vous écoute et vous accompagne dans vos démarches.",
                        verbose_name="présentation",
                    ),
                ),
                (
                    "services",
                    models.TextField(
                        default="Faire le point sur votre projet professionnel\nRédiger ou mettre à jour votre CV et vos lettres de motivation\nChercher des offres d'emploi et de formation\nVous aider dans vos démarches en ligne (France Travail, candidatures)\nPréparer un entretien d'embauche\nVous orienter vers le bon service partenaire",
                        help_text="Un élément par ligne.",
                        verbose_name="ce que propose la permanence",
                    ),
                ),
                (
                    "what_to_bring",
                    models.TextField(
                        default="Une pièce d'identité ou un titre de séjour\nVotre CV, si vous en avez un\nVotre identifiant France Travail, si vous êtes inscrit·e\nLes courriers ou offres d'emploi dont vous voulez parler",
                        help_text="Un élément par ligne.",
                        verbose_name="à apporter",
                    ),
                ),
                (
                    "partners",
                    models.TextField(
                        default="France Travail\nMission locale (16–25 ans)\nCap emploi (personnes en situation de handicap)\nPLIE (plan local pour l'insertion et l'emploi)\nService RSA du Département\nStructures d'insertion par l'activité économique\nOrganismes de formation",
                        help_text="Un élément par ligne.",
                        verbose_name="services partenaires",
                    ),
                ),
                (
                    "contact",
                    models.CharField(
                        blank=True,
                        help_text="Coordonnées publiques de l'association (jamais celles d'une personne accompagnée).",
                        max_length=255,
                        verbose_name="contact",
                    ),
                ),
            ],
            options={
                "verbose_name": "informations publiques",
                "verbose_name_plural": "informations publiques",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)),
                        name="public_info_single_row",
                        violation_error_message="Les informations publiques tiennent en une seule fiche.",
                    )
                ],
            },
        ),
    ]

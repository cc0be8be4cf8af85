"""The texts of the public pages, one row edited in the admin."""

from django.db import models
from django.db.models import Q

from core.models import TimestampedModel

PUBLIC_INFO_PK = 1


class PublicInfoQuerySet(models.QuerySet):
    def current(self) -> "PublicInfo":
        """The texts an admin has saved, or the default texts (nothing is written)."""
        return self.filter(pk=PUBLIC_INFO_PK).first() or PublicInfo(pk=PUBLIC_INFO_PK)


class PublicInfo(TimestampedModel):
    """The texts of the public schedule, the posters and the calendar feeds (one row).

    List fields hold one item a line, so that an admin edits them as plain text.
    """

    organiser = models.CharField(
        "organisé par",
        max_length=200,
        blank=True,
        help_text="Qui tient les permanences, ex. « Association Aurore, avec la Ville de Montreuil ».",
    )
    introduction = models.TextField(
        "présentation",
        default="Un accueil gratuit, sans rendez-vous, au cœur des quartiers : une conseillère ou un "
        "conseiller emploi vous reçoit, vous écoute et vous accompagne dans vos démarches.",
    )
    services = models.TextField(
        "ce que propose la permanence",
        help_text="Un élément par ligne.",
        default="Faire le point sur votre projet professionnel\n"
        "Rédiger ou mettre à jour votre CV et vos lettres de motivation\n"
        "Chercher des offres d'emploi et de formation\n"
        "Vous aider dans vos démarches en ligne (France Travail, candidatures)\n"
        "Préparer un entretien d'embauche\n"
        "Vous orienter vers le bon service partenaire",
    )
    what_to_bring = models.TextField(
        "à apporter",
        help_text="Un élément par ligne.",
        default="Une pièce d'identité ou un titre de séjour\n"
        "Votre CV, si vous en avez un\n"
        "Votre identifiant France Travail, si vous êtes inscrit·e\n"
        "Les courriers ou offres d'emploi dont vous voulez parler",
    )
    partners = models.TextField(
        "services partenaires",
        help_text="Un élément par ligne.",
        default="France Travail\n"
        "Mission locale (16–25 ans)\n"
        "Cap emploi (personnes en situation de handicap)\n"
        "PLIE (plan local pour l'insertion et l'emploi)\n"
        "Service RSA du Département\n"
        "Structures d'insertion par l'activité économique\n"
        "Organismes de formation",
    )
    contact = models.CharField(
        "contact",
        max_length=255,
        blank=True,
        help_text="Coordonnées publiques de l'association (jamais celles d'une personne accompagnée).",
    )
    # The register of processing and the information notice (RGPD) show these.
    controller = models.CharField(
        "responsable du traitement",
        max_length=255,
        blank=True,
        help_text="Registre des traitements et notice d'information : nom et adresse de l'organisme "
        "responsable des dossiers (en général l'association qui tient les permanences).",
    )
    dpo_contact = models.CharField(
        "contact du délégué à la protection des données",
        max_length=255,
        blank=True,
        help_text="Registre des traitements et notice d'information : adresse postale ou courriel "
        "auquel les personnes exercent leurs droits.",
    )
    other_recipients = models.TextField(
        "autres destinataires",
        blank=True,
        help_text="Registre des traitements et notice d'information : destinataires des données en plus "
        "des utilisateurs de l'application (ex. un hébergeur), un par ligne.",
    )

    objects = PublicInfoQuerySet.as_manager()

    class Meta:
        verbose_name = "informations publiques"
        verbose_name_plural = "informations publiques"
        constraints = [
            models.CheckConstraint(
                condition=Q(id=PUBLIC_INFO_PK),
                name="public_info_single_row",
                violation_error_message="Les informations publiques tiennent en une seule fiche.",
            ),
        ]

    def __str__(self) -> str:
        return "Informations publiques"

    def save(self, *args, **kwargs):
        self.pk = PUBLIC_INFO_PK
        super().save(*args, **kwargs)

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def service_list(self) -> list[str]:
        return self._lines(self.services)

    @property
    def what_to_bring_list(self) -> list[str]:
        return self._lines(self.what_to_bring)

    @property
    def partner_list(self) -> list[str]:
        return self._lines(self.partners)

    @property
    def other_recipient_list(self) -> list[str]:
        return self._lines(self.other_recipients)

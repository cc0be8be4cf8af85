from django.db import models


class Sex(models.TextChoices):
    FEMALE = "F", "Femme"
    MALE = "M", "Homme"
    NOT_STATED = "N", "Non précisé"


class TriState(models.TextChoices):
    """A status flag whose answer may be unknown (empty string)."""

    YES = "oui", "Oui"
    NO = "non", "Non"
    UNKNOWN = "", "Non renseigné"


class QualificationLevel(models.TextChoices):
    """Levels of the French national qualifications framework (since 2019)."""

    INFRA_3 = "infra3", "Infra 3 (sans diplôme ou brevet)"
    LEVEL_3 = "3", "Niveau 3 (CAP, BEP)"
    LEVEL_4 = "4", "Niveau 4 (baccalauréat)"
    LEVEL_5 = "5", "Niveau 5 (bac + 2)"
    LEVEL_6 = "6", "Niveau 6 (licence, bac + 3)"
    LEVEL_7 = "7", "Niveau 7 (master, bac + 5)"
    LEVEL_8 = "8", "Niveau 8 (doctorat)"


class VisitKind(models.TextChoices):
    FIRST = "premier_accueil", "Premier accueil"
    FOLLOW_UP = "suivi", "Suivi"


class Partner(models.TextChoices):
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    SERVICE_RSA = "service_rsa", "Service RSA"
    MISSION_LOCALE = "mission_locale", "Mission locale (16–25 ans)"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    PLIE = "plie", "PLIE"
    SIAE = "siae", "Structure d'insertion (SIAE)"
    ORGANISME_FORMATION = "organisme_formation", "Organisme de formation"
    AUTRE = "autre", "Autre partenaire"


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposée"
    DONE = "done", "Réalisée"
    NOT_TAKEN_UP = "not_taken_up", "Non suivie"


class ReferralChannel(models.TextChoices):
    """How a referral made outside a visit was proposed; a visit's referrals have none
    (nor do those imported without one)."""

    PHONE = "telephone", "Par téléphone"
    EMAIL = "courriel", "Par courriel"
    OTHER = "autre", "Autrement (courrier, rencontre hors permanence…)"


class CorrectionReason(models.TextChoices):
    """Why a visit, referral or outcome was corrected or deleted: a list, never free
    text, so that the audit trail that keeps it never holds a name or a note."""

    TYPING_ERROR = "erreur_saisie", "Erreur de saisie (date, lieu, thème, partenaire…)"
    WRONG_FILE = "mauvais_dossier", "Noté dans le dossier d'une autre personne"
    RECORDED_TWICE = "doublon", "Noté deux fois"
    DID_NOT_HAPPEN = "pas_eu_lieu", "N'a pas eu lieu"
    COMPLETED = "complement", "Information complétée ou précisée"
    OTHER = "autre", "Autre raison"


class OutcomeKind(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    INTERIM = "interim", "Intérim"
    CONTRAT_AIDE = "contrat_aide", "Contrat aidé (PEC, CUI…)"
    ALTERNANCE = "alternance", "Alternance (apprentissage, professionnalisation)"
    FORMATION = "formation", "Formation"
    CREATION_ACTIVITE = "creation_activite", "Création d'activité"

    @classmethod
    def expecting_end_date(cls) -> frozenset["OutcomeKind"]:
        """Kinds whose end is known at signature; the form asks for it."""
        return frozenset({cls.CDD, cls.INTERIM, cls.FORMATION})


class WorkingTime(models.TextChoices):
    FULL_TIME = "temps_plein", "Temps plein"
    PART_TIME = "temps_partiel", "Temps partiel"
    UNKNOWN = "", "Non renseigné"


class AgeBand(models.TextChoices):
    """Age at a date, as the bilan reads it (DESIGN.md: at the first visit of the year)."""

    UNDER_26 = "moins_de_26", "Moins de 26 ans"
    FROM_26_TO_49 = "26_49", "26 à 49 ans"
    FROM_50 = "50_et_plus", "50 ans et plus"
    UNKNOWN = "inconnu", "Âge inconnu"


class AnonymisationReason(models.TextChoices):
    ERASURE_REQUEST = "demande_effacement", "Demande de la personne (droit à l'effacement)"
    OBJECTION = "opposition", "Opposition de la personne au traitement"
    CREATED_BY_MISTAKE = "erreur", "Dossier créé par erreur"
    RETENTION = "conservation", "Durée de conservation écoulée sans rendez-vous ni atelier suivi"


class WorkshopStatus(models.TextChoices):
    PLANNED = "planned", "Programmé"
    CANCELLED = "cancelled", "Annulé"


class RegistrationStatus(models.TextChoices):
    """A place in the workshop, or a rank on its waiting list (capacity reached)."""

    REGISTERED = "registered", "Inscrit·e"
    WAITING = "waiting", "Liste d'attente"


class AttendanceMark(models.TextChoices):
    """Whether a registered person came: marked on the day or after it."""

    PRESENT = "present", "Présent·e"
    ABSENT = "absent", "Absent·e"
    EXCUSED = "excused", "Excusé·e"
    NOT_MARKED = "", "Non notée"


class ExportContent(models.TextChoices):
    """What a nominative export holds: one of the import's files, or all of them."""

    BENEFICIARIES = "beneficiaries", "Personnes"
    SESSIONS = "sessions", "Permanences"
    VISITS = "visits", "Rendez-vous"
    REFERRALS = "referrals", "Orientations"
    OUTCOMES = "outcomes", "Sorties"
    WORKSHOPS = "workshops", "Ateliers"
    REGISTRATIONS = "registrations", "Inscriptions aux ateliers"
    ALL = "all", "Tous les fichiers (zip)"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV (point-virgule, UTF-8)"
    XLSX = "xlsx", "Classeur Excel (XLSX)"


class ImportAction(models.TextChoices):
    """What a background import job does with the uploaded files."""

    PREVIEW = "apercu", "Aperçu"
    IMPORT = "import", "Import"


class ImportJobState(models.TextChoices):
    QUEUED = "attente", "En attente"
    RUNNING = "en_cours", "En cours"
    DONE = "termine", "Terminé"
    FAILED = "echoue", "Échoué"


class QualityCheck(models.TextChoices):
    """What the data-quality panel counts; each also filters the persons list."""

    SEX_NOT_STATED = "sexe_non_precise", "Sexe non précisé"
    BIRTH_DATE_UNKNOWN = "naissance_inconnue", "Date de naissance inconnue"
    QUARTER_NOT_STATED = "quartier_non_renseigne", "Quartier de résidence non renseigné ou hors quartiers"
    VISIT_WITHOUT_TOPIC = "rdv_sans_theme", "Rendez-vous sans thème"
    CDD_WITHOUT_END = "cdd_sans_fin", "CDD sans date de fin"
    REFERRAL_WITHOUT_RESULT = "orientation_sans_suite", "Orientation sans suite connue après 30 jours"
    IDLE = "inactif", "Ni rendez-vous ni atelier suivi depuis la durée de conservation : à anonymiser"
    IDLE_SOON = "inactif_bientot", "À anonymiser dans les 30 jours"


class AppointmentState(models.TextChoices):
    """What became of a follow-up appointment (read, never stored: models/appointments.py)."""

    BOOKED = "booked", "À venir"
    HONOURED = "honoured", "Honoré"
    MISSED = "missed", "Manqué"
    CANCELLED = "cancelled", "Annulé"


class Channel(models.TextChoices):
    """The channels a person may accept messages on (consent on the file; messaging/ sends)."""

    SMS = "sms", "SMS"
    EMAIL = "email", "Courriel"

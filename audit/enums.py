from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Création"
    CHANGE = "change", "Modification"
    DELETE = "delete", "Suppression"
    VIEW = "view", "Consultation"
    LIST = "list", "Consultation d'une liste"
    EXPORT = "export", "Export nominatif"
    IMPORT = "import", "Import"
    MERGE = "merge", "Fusion de dossiers"
    ANONYMISE = "anonymise", "Anonymisation"
    ACCESS_REQUEST = "access_request", "Droit d'accès (document remis)"
    # Why a row of a file was corrected or deleted (the rows written have their own entries).
    CORRECTION = "correction", "Motif d'une correction"
    LOGIN = "login", "Connexion"
    LOGOUT = "logout", "Déconnexion"
    LOGIN_FAILED = "login_failed", "Échec de connexion"

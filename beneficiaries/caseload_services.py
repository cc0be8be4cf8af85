"""Writes on caseloads: a counsellor becomes the referent of a file; coordination
moves files from one counsellor's caseload to another's. Each is one
transaction; a refusal is a `BeneficiaryError`. (The file's edit form sets the
referent too, through `services.beneficiary_update`.)"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.templatetags.display import user_label

from .models import ANONYMISED_READ_ONLY, Beneficiary
from .services import BeneficiaryError, check_referent


def _stamped(user) -> dict:
    """What a change of the referent writes beside it: who, when, the file's version
    (a form opened before it then shows the conflict instead of undoing it)."""
    return {"updated_by": user, "updated_at": timezone.now(), "version": F("version") + 1}


@transaction.atomic
def beneficiary_referent_claim(*, beneficiary_id: int, user) -> Beneficiary:
    """`user`, a counsellor, becomes the referent of a file that has none.

    A file that has a referent already keeps it: changing it is a deliberate act
    (the file's edit form, or coordination's reassignment). Clicking twice is
    harmless.
    """
    check_referent(user)
    claimed = Beneficiary._base_manager.filter(
        pk=beneficiary_id, anonymised_at__isnull=True, referent__isnull=True
    ).update(referent=user, **_stamped(user))
    person = Beneficiary.objects.select_related("referent").get(pk=beneficiary_id)
    if claimed or person.referent_id == user.pk:
        return person
    if person.anonymised_at is not None:
        raise BeneficiaryError(ANONYMISED_READ_ONLY)
    raise BeneficiaryError(
        f"Ce dossier a déjà un·e référent·e : {user_label(person.referent)}. "
        "Pour le changer, modifiez le dossier ou demandez-le à la coordination."
    )


@transaction.atomic
def caseload_reassign(*, source, target, file_ids: list[int] | None, expected: int, user) -> int:
    """Move the identified files of `source`'s caseload — all of them (`file_ids`
    None) or those chosen — to `target`, a counsellor; return how many moved.

    `expected` is the count the coordinator confirmed: if the caseload changed
    since (a file taken, anonymised or moved meanwhile), nothing moves.
    """
    if target.pk == source.pk:
        raise BeneficiaryError(
            "Ces dossiers sont déjà les siens : choisissez un autre conseiller ou une autre conseillère."
        )
    check_referent(target)
    files = Beneficiary.objects.identified().filter(referent=source)
    if file_ids is not None:
        files = files.filter(pk__in=file_ids)
    # Locked until the transaction ends: nobody changes them between the count and the move.
    pks = list(files.select_for_update().order_by("pk").values_list("pk", flat=True))
    if not pks:
        raise BeneficiaryError("Aucun dossier à confier : ce portefeuille n'en contient pas (ou plus).")
    if (file_ids is not None and len(pks) != len(set(file_ids))) or len(pks) != expected:
        raise BeneficiaryError(
            f"Le portefeuille a changé depuis votre confirmation ({len(pks)} dossier(s) au lieu de "
            f"{expected}) : rien n'a été déplacé. Vérifiez, puis confirmez de nouveau."
        )
    Beneficiary._base_manager.filter(pk__in=pks).update(referent=target, **_stamped(user))
    return len(pks)

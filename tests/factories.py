"""Rows for the tests, built with plain defaults: every keyword argument is a
trait a test may set (`make_person(sex=Sex.MALE, birth_date=…)`,
`make_permanence(venue, day, status=PermanenceStatus.CANCELLED)`).

Fixtures (the cast of users, a quarter, a venue) are in conftest.py and use these.
"""

import datetime
import time

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.models import Group

from beneficiaries.enums import Sex
from beneficiaries.models import Beneficiary, Visit, Workshop, WorkshopTheme
from core.enums import Role
from permanences.enums import PermanenceStatus
from permanences.models import Permanence

PASSWORD = "correct-horse-battery-staple"
DEMO_PASSWORD = "demo-password-for-tests"


# The TOTP secret of the test users whose role requires two-factor authentication.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET, offset: int = 0) -> str:
    """The code an authenticator app shows now (or `offset` periods later)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def make_user(django_user_model, username, role=None, **extra):
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, first_name=username.capitalize(), **extra
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    if role in (Role.CONSEILLER, Role.COORDINATION) or user.is_staff:
        TOTP.activate(user, TOTP_SECRET)
        RecoveryCodes.activate(user)
    return user


def make_permanence(venue, date, *, status=PermanenceStatus.HELD, start="09:30", end="12:30"):
    return Permanence.objects.create(
        venue=venue,
        date=date,
        start_time=datetime.time.fromisoformat(start),
        end_time=datetime.time.fromisoformat(end),
        status=status,
        cancel_reason="Fermé" if status == PermanenceStatus.CANCELLED else "",
    )


def make_person(last_name="Martin", first_name="Élodie", *, sex=Sex.FEMALE, **extra):
    return Beneficiary.objects.create(last_name=last_name, first_name=first_name, sex=sex, **extra)


def make_visit(person, permanence, **extra):
    return Visit.objects.create(beneficiary=person, permanence=permanence, **extra)


def make_workshop(venue, date, *, start="14:00", end="16:00", capacity=10, theme=None, **extra):
    """A workshop of `venue` on `date`, run by a partner's facilitator unless told otherwise."""
    if theme is None:
        theme, _ = WorkshopTheme.objects.get_or_create(code="cv_lettre", defaults={"label": "CV"})
    extra.setdefault("facilitator_name", "" if extra.get("facilitator") else "Intervenante PLIE")
    return Workshop.objects.create(
        theme=theme,
        venue=venue,
        date=date,
        start_time=datetime.time.fromisoformat(start),
        end_time=datetime.time.fromisoformat(end),
        capacity=capacity,
        **extra,
    )

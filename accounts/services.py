"""Accounts of the people who ask for help themselves: citizens and enterprise contacts.

Both sign up and sign in with a phone confirmed by a one-time code (``accounts.otp``); they
have no password to forget or to leak. Each phone has at most one citizen account and one
enterprise-contact account: the username is derived from it.

Inputs arrive already normalised by the forms (``core.intake``); these functions check what
only the database can tell (is this phone or company already known?) and write.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PhoneCode, Role, User
from accounts.otp import check_code
from core.errors import Forbidden, InvalidInput
from core.models import Division, Enterprise
from lib.masking import mask_name

#: Usernames of the accounts that sign in by phone, so that a phone maps to one account.
USERNAME_PREFIX: dict[str, str] = {Role.CITIZEN: "app-", Role.ENTERPRISE: "ent-"}


def username_for(role: str, phone: str) -> str:
    return USERNAME_PREFIX[role] + phone


def find_by_phone(role: str, phone: str) -> User | None:
    """The account of ``role`` named after ``phone``, else one that only carries it: an account
    an administrator made by hand, or a demo account such as ``citizen``, signs in by code too."""
    accounts = User.objects.filter(role=role)
    return (
        accounts.filter(username=username_for(role, phone)).first()
        or accounts.filter(phone=phone).order_by("id").first()
    )


def _new_account(*, role: str, name: str, phone: str, **fields: object) -> User:
    user = User(
        username=username_for(role, phone),
        role=role,
        first_name=name,
        phone=phone,
        phone_confirmed_at=timezone.now(),
        **fields,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two sign-ups for one phone at once: the second finds the first's account.
        raise InvalidInput.for_field(
            "phone", _("This phone already has an account. Sign in instead.")
        ) from None
    return user


def register_citizen(*, name: str, id_number: str, phone: str, code: str) -> User:
    """实名注册: a citizen account under a real name and ID number, phone confirmed by code."""
    if find_by_phone(Role.CITIZEN, phone) is not None:
        raise InvalidInput.for_field(
            "phone", _("This phone already has an account. Sign in instead.")
        )
    if User.objects.filter(role=Role.CITIZEN, id_number=id_number).exists():
        raise InvalidInput.for_field(
            "id_number",
            _("An account with this ID card number exists already; sign in with its phone."),
        )
    check_code(phone=phone, purpose=PhoneCode.Purpose.SIGN_UP, code=code)
    return _new_account(role=Role.CITIZEN, name=name, phone=phone, id_number=id_number)


def sign_in_by_code(*, role: str, phone: str, code: str) -> User:
    """The account of ``role`` for ``phone``, once the code matches."""
    user = find_by_phone(role, phone)
    if user is None or not user.is_active:
        raise InvalidInput.for_field("phone", _("No account uses this phone. Sign up first."))
    check_code(phone=phone, purpose=PhoneCode.Purpose.SIGN_IN, code=code)
    User.objects.filter(pk=user.pk).update(phone_confirmed_at=timezone.now())
    return user


def register_enterprise(
    *,
    uscc: str,
    name: str,
    workforce: int,
    division: Division,
    address: str,
    contact_name: str,
    phone: str,
    code: str,
) -> User:
    """A company's first contact registers it. Later contacts are added by an existing one:
    a credit code is public, so knowing it must not be enough to read the company's requests.
    """
    existing = Enterprise.objects.filter(uscc=uscc).first()
    if existing is not None:
        first = existing.contacts.filter(is_active=True).order_by("date_joined").first()
        who = mask_name(first.first_name) if first else _("its contact")
        raise InvalidInput.for_field(
            "uscc",
            _("This enterprise is registered already. Ask %(who)s to add you as a contact.")
            % {"who": who},
        )
    if find_by_phone(Role.ENTERPRISE, phone) is not None:
        raise InvalidInput.for_field(
            "phone", _("This phone already has an account. Sign in instead.")
        )
    check_code(phone=phone, purpose=PhoneCode.Purpose.SIGN_UP, code=code)
    with transaction.atomic():
        try:
            with transaction.atomic():
                enterprise = Enterprise.objects.create(
                    uscc=uscc, name=name, workforce=workforce, division=division, address=address
                )
        except IntegrityError:
            raise InvalidInput.for_field(
                "uscc", _("This enterprise is registered already.")
            ) from None
        return _new_account(
            role=Role.ENTERPRISE, name=contact_name, phone=phone, enterprise=enterprise
        )


def add_enterprise_contact(*, by: User, name: str, phone: str) -> User:
    """An existing contact adds a colleague, who then signs in with their own phone."""
    if by.role != Role.ENTERPRISE or by.enterprise_id is None:
        raise Forbidden(_("Only a contact of the enterprise may add contacts."))
    other = find_by_phone(Role.ENTERPRISE, phone)
    if other is not None:
        if other.enterprise_id == by.enterprise_id:
            raise InvalidInput.for_field("phone", _("This person is a contact already."))
        raise InvalidInput.for_field("phone", _("This phone is a contact of another enterprise."))
    user = User(
        username=username_for(Role.ENTERPRISE, phone),
        role=Role.ENTERPRISE,
        first_name=name,
        phone=phone,
        enterprise_id=by.enterprise_id,
    )
    user.set_unusable_password()
    user.save()
    return user


def update_workforce(*, by: User, workforce: int) -> Enterprise:
    if by.role != Role.ENTERPRISE or by.enterprise is None:
        raise Forbidden(_("Only a contact of the enterprise may change it."))
    enterprise = by.enterprise
    enterprise.workforce = workforce
    enterprise.save(update_fields=["workforce"])
    return enterprise

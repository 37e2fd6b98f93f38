"""How a requester's personal data is shown: masked unless the viewer's role needs it in full,
and every full view written down (PIPL). The API and the console both ask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.access import Actor, is_requester, may_see_personal_data
from core.models import HelpRequest, PersonalDataAccess, Requester
from lib.masking import mask_id_number, mask_name, mask_phone


@dataclass(frozen=True)
class RequesterCard:
    kind: str
    kind_label: str
    name: str
    phone: str
    id_number: str
    # An enterprise's name and credit code are public registry data, not personal data.
    organisation: str
    uscc: str
    masked: bool


def requester_card(*, actor: Actor, help_request: HelpRequest, via: str) -> RequesterCard:
    """The requester of ``help_request`` as ``actor`` may see them; a full view is recorded."""
    requester = help_request.requester
    full = actor.user is not None and may_see_personal_data(actor, help_request)
    # People looking at their own request are not the ones the log is meant to watch.
    if full and actor.user is not None and not is_requester(actor, help_request):
        PersonalDataAccess.objects.create(user=actor.user, help_request=help_request, via=via)
    return RequesterCard(
        kind=requester.kind,
        kind_label=requester.get_kind_display(),
        name=requester.name if full else mask_name(requester.name),
        phone=requester.phone if full else mask_phone(requester.phone),
        id_number=requester.id_number if full else mask_id_number(requester.id_number),
        organisation=requester.organisation,
        uscc=requester.uscc,
        masked=not full,
    )


def masked_contact(requester: Requester) -> tuple[str, str]:
    """Name and phone for a list row: always masked, a list is for finding, not for calling."""
    return mask_name(requester.name), mask_phone(requester.phone)

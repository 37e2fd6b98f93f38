"""Template tags for the files sent with a request: which of them the viewer may open."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template

from accounts.models import User
from core.access import Actor, may_see_personal_data
from core.models import Attachment, HelpRequest

register = template.Library()


@dataclass(frozen=True)
class RequestFiles:
    photos: list[Attachment] = field(default_factory=list)
    documents: list[Attachment] = field(default_factory=list)
    #: Files this viewer may not open: their role sees personal data masked.
    withheld: int = 0

    @property
    def count(self) -> int:
        return len(self.photos) + len(self.documents) + self.withheld


@register.simple_tag(takes_context=True)
def request_files(context: template.Context, help_request: HelpRequest) -> RequestFiles:
    """The request's photos and documents as ``public.attachments`` will serve them to the
    viewer: a link that would answer 404 is not offered, only counted."""
    attachments = list(help_request.attachments.all())
    if not attachments:
        return RequestFiles()
    user: Any = context.get("user")
    if not (isinstance(user, User) and may_see_personal_data(Actor(user=user), help_request)):
        return RequestFiles(withheld=len(attachments))
    return RequestFiles(
        photos=[a for a in attachments if a.kind == Attachment.Kind.PHOTO],
        documents=[a for a in attachments if a.kind != Attachment.Kind.PHOTO],
    )

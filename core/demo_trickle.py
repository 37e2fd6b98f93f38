"""A trickle of new demo requests while the demo runs, so the board and the queues move.

Each one is filed through ``core.services.request_create`` by the account of its channel (the
operator for a call, the demo citizen for the app, an integration's key for Open311 …), so it
gets a number, meets the dispatch rules, texts its receipt and shows up live like a real one.
The words come from the same phrasebook as the seeded history (``core.demo_text``).
"""

from __future__ import annotations

from random import Random

from accounts.models import ApiKey, User
from core.access import Actor
from core.demo_text import COMMUNITIES, TEMPLATES, Place, person_name
from core.models import Category, Channel, Division, HelpRequest, Urgency
from core.services import NewRequest, request_create

#: Channels of the trickle and how often each comes, roughly as the seeded history has them.
CHANNEL_WEIGHTS = {Channel.HOTLINE: 5, Channel.APP: 3, Channel.API: 1}


def _actor(channel: str) -> Actor | None:
    if channel == Channel.HOTLINE:
        user = User.objects.filter(username="operator", is_active=True).first()
        return Actor(user=user) if user else None
    if channel == Channel.APP:
        citizen = User.objects.filter(username="citizen", is_active=True).first()
        return Actor(user=citizen) if citizen and citizen.phone_confirmed_at else None
    key = ApiKey.objects.filter(channel=channel, revoked_at=None).order_by("id").first()
    return Actor(api_key=key) if key else None


def file_one(rng: Random) -> HelpRequest | None:
    """File one plausible request; ``None`` when the demo accounts are missing."""
    channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
    actor = _actor(channel)
    streets = list(Division.objects.filter(level=Division.Level.STREET).select_related("parent"))
    if actor is None or not streets:
        return None
    code = rng.choice(sorted(TEMPLATES))
    template = rng.choice(TEMPLATES[code])
    street = rng.choice(streets)
    place = Place(county=street.county.name, street=street.name, community=rng.choice(COMMUNITIES))
    summary, description, _answer = template.fill(rng, place)
    critical, urgent = template.urgency
    x = rng.random()
    urgency = (
        Urgency.CRITICAL
        if x < critical
        else Urgency.URGENT
        if x < critical + urgent
        else Urgency.NORMAL
    )
    name = actor.user.first_name if channel == Channel.APP and actor.user else person_name(rng)
    phone = (
        actor.user.phone
        if channel == Channel.APP and actor.user
        else f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    )
    help_request, _created = request_create(
        actor=actor,
        new=NewRequest(
            channel=channel,
            category=Category.objects.get(code=code),
            urgency=urgency,
            summary=summary[:200],
            description=description,
            division=street,
            address=f"{place.community}小区{rng.randint(1, 28)}号楼",
            requester_name=name,
            requester_phone=phone,
        ),
    )
    return help_request

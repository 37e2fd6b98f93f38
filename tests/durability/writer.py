"""A process that files requests through the services until killed: the site at work.

    HUYING_DATABASE_URL=… python -m tests.durability.writer

Prints the number of each request once its transaction has committed.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
    import django

    django.setup()
    from accounts.models import ApiKey
    from core.access import Actor
    from core.models import Category, Channel, Division, Urgency
    from core.services import NewRequest, request_create

    key, _secret = ApiKey.issue(name="backup-writer", channel=Channel.API)
    actor = Actor(api_key=key)
    categories = list(Category.objects.all())
    streets = list(Division.objects.filter(level=Division.Level.STREET))
    index = 0
    while True:
        index += 1
        help_request, _created = request_create(
            actor=actor,
            new=NewRequest(
                channel=Channel.API,
                category=categories[index % len(categories)],
                urgency=Urgency.URGENT,
                description=f"第{index}号求助：小区封控，家中老人需要买药。",
                division=streets[index % len(streets)],
                requester_name="王芳",
                requester_phone=f"139{index:08d}",
                external_ref=f"writer-{index}",
            ),
        )
        sys.stdout.write(f"{help_request.number}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

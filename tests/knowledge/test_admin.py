"""The policy desk keeps the knowledge base in the admin."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from knowledge.demo import ensure_demo_policies
from knowledge.models import PolicyEntry

pytestmark = pytest.mark.django_db


def test_the_admin_lists_searches_and_edits_policy_entries(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    ensure_demo_policies()
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read English
    changelist = reverse("admin:knowledge_policyentry_changelist")
    page = client.get(changelist, {"q": "报备"}).content.decode()
    assert "从外地返焦需要怎么报备？" in page
    entry = PolicyEntry.objects.get(question="从外地返焦需要怎么报备？")
    change = reverse("admin:knowledge_policyentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200
    response = client.post(
        change,
        {
            "question": entry.question,
            "answer": entry.answer,
            "keywords": entry.keywords,
            "category": "policy",
            "source": entry.source,
            "valid_from": "2022-01-10",
            "valid_to": "2022-01-09",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "The last day is before the first day." in response.content.decode()

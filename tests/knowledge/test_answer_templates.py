"""Answer templates: the demo set loads once, and the admin lists and edits them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledge.demo import DEMO_ANSWER_TEMPLATES, ensure_demo_answer_templates
from knowledge.models import AnswerTemplate
from knowledge.selectors import answer_templates_for

pytestmark = pytest.mark.django_db


def test_the_demo_templates_load_once_for_the_four_categories():
    assert ensure_demo_answer_templates() == len(DEMO_ANSWER_TEMPLATES)
    assert ensure_demo_answer_templates() == 0
    assert set(AnswerTemplate.objects.values_list("category_id", flat=True)) == {
        "medical",
        "supplies",
        "travel",
        "health_code",
    }
    titles = [t.title for t in answer_templates_for(category_id="travel", group_id=None)]
    assert titles == sorted(titles) and len(titles) == 2


def test_the_admin_lists_and_opens_templates(client, admin_user):
    ensure_demo_answer_templates()
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:knowledge_answertemplate_changelist"))
    assert listing.status_code == 200
    first = AnswerTemplate.objects.first()
    assert first is not None
    page = client.get(reverse("admin:knowledge_answertemplate_change", args=[first.pk]))
    assert page.status_code == 200

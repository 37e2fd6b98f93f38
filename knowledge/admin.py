"""The policy knowledge base is kept up to date in the admin by the headquarters' policy desk."""

from __future__ import annotations

from django.contrib import admin

from knowledge.models import AnswerTemplate, PolicyEntry


@admin.register(PolicyEntry)
class PolicyEntryAdmin(admin.ModelAdmin[PolicyEntry]):
    list_display = ["question", "category", "valid_from", "valid_to", "is_active", "updated_at"]
    list_filter = ["is_active", "category", "valid_from"]
    search_fields = ["question", "keywords", "answer", "source"]
    date_hierarchy = "valid_from"
    list_select_related = ["category"]
    fields = [
        "question",
        "answer",
        "keywords",
        "category",
        "source",
        ("valid_from", "valid_to"),
        "is_active",
    ]


@admin.register(AnswerTemplate)
class AnswerTemplateAdmin(admin.ModelAdmin[AnswerTemplate]):
    list_display = ["title", "category", "group", "is_active", "updated_at"]
    list_filter = ["is_active", "category", "group"]
    search_fields = ["title", "text"]
    list_select_related = ["category", "group"]
    fields = ["title", "category", "group", "text", "is_active"]

"""Forms of the staff console: signing in, the queue's filters, intake layout, request actions.

Validation of a request's content stays in ``core.intake`` and ``core.services``; these forms
only turn posted text into the arguments those functions take.
"""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.forms import LockoutMessageMixin
from accounts.models import User
from core import reference_cache
from core.intake import IntakeForm, division_choices
from core.models import (
    OPEN_STATUSES,
    AnswerMethod,
    Channel,
    Group,
    Satisfaction,
    Status,
    Urgency,
)
from core.selectors import RequestFilters
from core.services import MAX_TEXT
from knowledge.models import PolicyEntry

REQUEST_NUMBER = re.compile(r"^\d{8}-\d{4,}$")

#: Values of the status filter besides the statuses themselves.
STATUS_OPEN = ""
STATUS_ALL = "all"


class ConsoleAuthenticationForm(LockoutMessageMixin, AuthenticationForm):
    """Refuse citizens and other non-staff accounts at the door rather than after it.

    A locked-out username or address is told so (``accounts.lockout``).
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_console_user": _("This account cannot use the staff console."),
    }

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not user.is_console_user:
            raise ValidationError(self.error_messages["not_console_user"], code="not_console_user")


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class ConsoleIntakeForm(IntakeForm):
    """``core.intake.IntakeForm`` laid out for an operator on the phone.

    The division list is grouped by county, the phone comes first and has the focus, and
    two fields serve 直办 (answered on the line): the answer and the policy entry it came from.
    ``answering`` says whether the operator chose to file it as answered.
    """

    #: The order an operator fills the form in while the caller talks; the template follows
    #: it, so Tab walks it without any tabindex.
    TAB_ORDER = (
        "requester_phone",
        "requester_name",
        "description",
        "urgency",
        "category",
        "division",
        "address",
        "channel",
        "external_ref",
        "summary",
        "requester_kind",
        "requester_id_number",
        "organisation",
        "uscc",
        "answer",
    )

    # Not stripped and not length-checked here: what makes a valid answer is
    # ``services.request_resolve_at_intake``'s to say, and the view shows its refusal here.
    answer = forms.CharField(
        label=_("Answer given on the line"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_TEXT}),
    )
    policy_entry = forms.ModelChoiceField(
        queryset=PolicyEntry.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That policy entry no longer exists.")},
    )

    def __init__(self, *args: Any, answering: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answering = answering
        # Only the rendering changes: validation still looks the code up in the queryset.
        _choice_field(self, "division").choices = division_choices(
            empty_label=str(_("Choose a county or street"))
        )
        self.fields["description"].widget.attrs.update({"rows": 4})
        self.fields["requester_phone"].widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "off", "autofocus": True}
        )
        self.fields["requester_name"].widget.attrs.update({"autocomplete": "off"})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.answering and not data.get("answer"):
            self.add_error(
                "answer",
                ValidationError(
                    _("Write the answer given on the line to file the request as answered."),
                    code="required",
                ),
            )
        return data

    def focus_first_error(self) -> None:
        """Move the focus from the phone to the first field, in tab order, that needs fixing."""
        for name in self.TAB_ORDER:
            if name in self.errors:
                self.fields["requester_phone"].widget.attrs.pop("autofocus", None)
                self.fields[name].widget.attrs["autofocus"] = True
                return


def _html_attrs(attrs: dict[str, Any]) -> str:
    """Django's ``django/forms/widgets/attrs.html``, in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A ``Select`` whose HTML is built in Python, the same markup as Django's templates
    (``select.html``, ``select_option.html``), their trailing newlines included.

    Django renders each ``<option>`` through two template includes; the queue's filter has
    about 150 options (nearly 100 divisions), which made its selects about a third of the
    whole page's time.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [
            f'<select name="{conditional_escape(widget["name"])}"{_html_attrs(widget["attrs"])}>'
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{escape(str(option["value"]))}"'
                    f"{_html_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


class RequestFilterForm(forms.Form):
    """The queue's filters; the same names as the API's query parameters."""

    status = forms.CharField(label=_("Status"), required=False, widget=QuickSelect)
    category = forms.ChoiceField(label=_("Category"), required=False, widget=QuickSelect)
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        required=False,
        choices=[("", _("Any urgency")), *Urgency.choices],
        widget=QuickSelect,
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any channel")), *Channel.choices],
        widget=QuickSelect,
    )
    division = forms.ChoiceField(label=_("County / street"), required=False, widget=QuickSelect)
    group = forms.ChoiceField(label=_("Lead group"), required=False, widget=QuickSelect)
    overdue = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any")), ("true", _("Overdue only")), ("false", _("Not overdue"))],
        widget=QuickSelect,
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number or words in the request")}
        ),
    )
    received_from = forms.DateField(
        label=_("Received from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    received_to = forms.DateField(
        label=_("Received to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status_choices: list[tuple[str, Any]] = [
            (STATUS_OPEN, _("Open")),
            (STATUS_ALL, _("All statuses")),
            *Status.choices,
        ]
        raw_status = str(self.data.get("status", "")) if self.is_bound else ""
        if "," in raw_status:
            # A link from a report may ask for several statuses; show it as it came.
            status_choices.append((raw_status, raw_status))
        cast(forms.Select, self.fields["status"].widget).choices = status_choices
        # Categories, divisions and groups change a few times a year: the process's copy
        # (``core.reference_cache``) saves three queries and ~125 model instances per page.
        reference = reference_cache.snapshot()
        _choice_field(self, "category").choices = [
            ("", _("Any category")),
            *((c.code, c.display_name) for c in reference.categories.values()),
        ]
        _choice_field(self, "division").choices = division_choices(
            empty_label=str(_("Anywhere")), divisions=reference.divisions.values()
        )
        _choice_field(self, "group").choices = [
            ("", _("Any group")),
            *((g.code, g.display_name) for g in reference.groups),
        ]

    def clean_status(self) -> list[str]:
        raw: str = self.cleaned_data["status"].strip()
        if raw == STATUS_OPEN:
            return sorted(OPEN_STATUSES)
        if raw == STATUS_ALL:
            return []
        statuses = [value.strip() for value in raw.split(",") if value.strip()]
        unknown = [value for value in statuses if value not in Status.values]
        if unknown:
            raise ValidationError(
                _("Unknown status: %(values)s."), params={"values": ", ".join(unknown)}
            )
        return statuses

    def to_filters(self) -> RequestFilters:
        data = self.cleaned_data
        statuses: list[str] = data["status"]
        q: str = data["q"].strip()
        if REQUEST_NUMBER.match(q) and not self.data.get("status"):
            # Someone who types a number wants that request, whatever its state.
            statuses = []
        return RequestFilters(
            statuses=statuses,
            category=data["category"],
            urgency=data["urgency"],
            channel=data["channel"],
            division=data["division"],
            group=data["group"],
            overdue={"true": True, "false": False}.get(data["overdue"]),
            q=q,
            received_from=data["received_from"],
            received_to=data["received_to"],
        )


# --- One small form per action; field names are those the services report errors under. ---


def _text(label: Any, *, required: bool, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class DispatchForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("Lead group"),
        queryset=Group.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("Choose the group that leads"),
    )
    assisting_groups = forms.ModelMultipleChoiceField(
        label=_("Assisting groups"),
        queryset=Group.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = _text(_("Note for the group"), required=False)


class NoteForm(forms.Form):
    note = _text(_("Note"), required=False)


class ProgressNoteForm(forms.Form):
    note = _text(_("Progress note"), required=True, rows=3)


class ResolveForm(forms.Form):
    answer = _text(_("Answer given to the requester"), required=True, rows=4)
    answer_method = forms.ChoiceField(
        label=_("Told them"), choices=AnswerMethod.choices, initial=AnswerMethod.PHONE
    )


class ResolveAtIntakeForm(forms.Form):
    answer = _text(_("Answer given on the line"), required=True, rows=3)


class CloseForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("Requester's rating"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = _text(_("Note"), required=False)


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), required=True)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Duplicate of request number"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "20220114-0097", "autocomplete": "off"}),
    )
    note = _text(_("Note"), required=False)

    def clean_into(self) -> str:
        number: str = self.cleaned_data["into"].strip()
        if not REQUEST_NUMBER.match(number):
            raise ValidationError(
                _("Enter a request number such as 20220114-0097."), code="invalid_number"
            )
        return number

"""Views of the staff console: the request queue, filing a request, a request's page and its actions.

Each view fetches through ``core.access``, validates with a form, calls one service and
renders. HTMX requests get the fragment they target; the same URLs work without JavaScript.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, push_url
from django_htmx.middleware import HtmxDetails

from accounts.models import User
from console.forms import (
    CloseForm,
    ConsoleIntakeForm,
    DispatchForm,
    MergeForm,
    NoteForm,
    ProgressNoteForm,
    ReasonForm,
    RequestFilterForm,
    ResolveAtIntakeForm,
    ResolveForm,
)
from core import services, triage
from core.access import (
    Actor,
    allowed_actions,
    get_request_for,
    may_file_requests,
    require_action,
)
from core.errors import Forbidden, HuyingError, InvalidInput, NotFound
from core.intake import add_error_details, normalise_phone
from core.models import Category, Event, Group, HelpRequest, Satisfaction, Status, Urgency
from core.personal_data import REASON_MAX_LENGTH, requester_card, requester_reveal
from core.selectors import (
    Page,
    possible_duplicates,
    request_queue,
    request_timeline,
    requests_by_phone,
)
from core.services import MAX_TEXT
from knowledge.models import PolicyEntry
from knowledge.selectors import answer_templates_for, search_policies

P = ParamSpec("P")

#: Rows per page of the queue; "load more" fetches the next page by its cursor.
PAGE_SIZE = 50
#: What ``console/_rows.html`` shows of a request (and ``is_open``/``is_overdue`` read);
#: anything else a row reads would cost a query per row (``request_queue``'s ``columns``).
QUEUE_COLUMNS = (
    "number",
    "urgency",
    "status",
    "summary",
    "category__name",
    "category__name_en",
    "division__name",
    "division__name_en",
    "division__parent__name",
    "division__parent__name_en",
    "lead_group__name",
    "lead_group__name_en",
    "requester__name",
    "requester__phone",
)


class ConsoleRequest(HttpRequest):
    """A request that has passed ``console_view``: a signed-in console user, HTMX details."""

    user: User
    htmx: HtmxDetails


def console_view(
    view: Callable[Concatenate[ConsoleRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Let in only signed-in console users; send others to the login page or a 403 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        console_request = cast(ConsoleRequest, request)
        user = request.user
        if not user.is_authenticated:
            if console_request.htmx:
                # A fragment request would swap the login page into the panel; make the
                # browser go there instead, and come back to the page it was on.
                back = console_request.htmx.current_url_abs_path or request.get_full_path()
                return HttpResponseClientRedirect(redirect_to_login(back).url)
            return redirect_to_login(request.get_full_path())
        if not (isinstance(user, User) and user.is_console_user):
            return render(request, "console/forbidden.html", status=403)
        return view(console_request, *args, **kwargs)

    return wrapper


def _is_fragment(request: ConsoleRequest) -> bool:
    """An HTMX request for a part of the page (a history restore needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _get_request_or_404(actor: Actor, number: str) -> HelpRequest:
    try:
        return get_request_for(actor, number)
    except NotFound:
        raise Http404(number) from None


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "console/forbidden.html", {"message": message}, status=403)


# --- The queue --------------------------------------------------------------------------------


def _query_string(params: QueryDict, **extra: str) -> str:
    """``params`` without empty values and without a cursor, plus ``extra``: a tidy URL."""
    query = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [value for value in values if value.strip()]
        if key != "cursor" and kept:
            query.setlist(key, kept)
    for key, value in extra.items():
        query[key] = value
    return query.urlencode()


@require_GET
@vary_on_headers("HX-Request")
@console_view
def request_list(request: ConsoleRequest) -> HttpResponse:
    actor = Actor(user=request.user)
    form = RequestFilterForm(request.GET)
    cursor = request.GET.get("cursor", "").strip()
    page: Page | None = None
    if form.is_valid():
        try:
            page = request_queue(
                actor=actor,
                filters=form.to_filters(),
                cursor=cursor or None,
                limit=PAGE_SIZE,
                columns=QUEUE_COLUMNS,
            )
        except InvalidInput as error:
            add_error_details(form, error)
    list_url = reverse("console:request_list")
    query = _query_string(request.GET)
    first_page_url = f"{list_url}?{query}" if query else list_url
    more_url = ""
    if page is not None and page.next_cursor:
        more_url = f"{list_url}?{_query_string(request.GET, cursor=page.next_cursor)}"
    context = {
        "form": form,
        "page": page,
        "more_url": more_url,
        "first_page_url": first_page_url,
        "is_later_page": bool(cursor),
    }
    status = 200 if page is not None else 400
    if not _is_fragment(request):
        return render(request, "console/request_list.html", context, status=status)
    if cursor:
        return render(request, "console/_rows.html", {**context, "appending": True}, status=status)
    response = render(request, "console/_queue.html", context, status=status)
    # The address bar shows only the filters in use, not every empty field of the form.
    return push_url(response, first_page_url)


# --- Filing a request -------------------------------------------------------------------------

#: What the operator asked for with the button they pressed (``name="intent"``).
INTENT_FILE = "file"
INTENT_ANSWER = "answer"  # file and mark answered on the line (直办)
INTENT_SEARCH = "search"  # search the policies without JavaScript; files nothing


def filer_view(
    view: Callable[Concatenate[ConsoleRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """``console_view`` for those who file requests: the new-request page and its helpers.

    The helpers show other people's requests (a caller's history, possible duplicates), so a
    console user who does not take calls gets a 403 page, not the fragment.
    """

    @functools.wraps(view)
    def wrapper(request: ConsoleRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not may_file_requests(Actor(user=request.user)):
            return _forbidden(request, _("Your role does not file requests."))
        return view(request, *args, **kwargs)

    return console_view(wrapper)


def _phone_or_empty(raw: str) -> str:
    """The normalised phone, or "" while what was typed is not a whole number yet."""
    try:
        return normalise_phone(raw)
    except ValidationError:
        return ""


def _history_context(actor: Actor, raw_phone: str) -> dict[str, Any]:
    raw_phone = raw_phone.strip()[:40]
    phone = _phone_or_empty(raw_phone)
    requests = list(requests_by_phone(actor=actor, phone=phone)) if phone else []
    return {
        "phone_state": "found" if phone else ("incomplete" if raw_phone else "empty"),
        "phone": phone,
        "history": requests,
        "open_history": [hr for hr in requests if hr.is_open],
    }


def _triage_context(text: str) -> dict[str, Any]:
    suggestion = triage.suggest(text[:MAX_TEXT])
    category = (
        Category.objects.filter(code=suggestion.category).first() if suggestion.category else None
    )
    return {
        "suggestion": suggestion,
        "suggested_category": category,
        "suggested_urgency_label": Urgency(suggestion.urgency).label,
    }


def _duplicates_context(actor: Actor, data: QueryDict) -> dict[str, Any]:
    text = data.get("description", "")[:MAX_TEXT]
    # Before the operator picks a category, compare with the one the words suggest.
    category = data.get("category", "").strip() or triage.suggest(text).category or ""
    duplicates = possible_duplicates(
        actor=actor,
        phone=_phone_or_empty(data.get("requester_phone", "")[:40]),
        division=data.get("division", "").strip()[:12],
        category=category[:20],
        text=text,
    )
    return {"duplicates": duplicates}


def _policy_context(query: str) -> dict[str, Any]:
    query = query.strip()
    hits = search_policies(query, on=timezone.localdate()) if query else []
    return {"policy_q": query, "policy_hits": hits}


def _intake_page(
    request: ConsoleRequest, form: ConsoleIntakeForm, data: QueryDict | None, *, status: int = 200
) -> HttpResponse:
    """The new-request page; with ``data`` (a re-render after a POST), its helper panels are
    filled in on the server, so an operator without JavaScript sees them too."""
    actor = Actor(user=request.user)
    data = data if data is not None else QueryDict()
    context: dict[str, Any] = {"form": form}
    context.update(_history_context(actor, data.get("requester_phone", "")))
    context.update(_triage_context(data.get("description", "")))
    context.update(_duplicates_context(actor, data) if data else {"duplicates": []})
    context.update(_policy_context(data.get("policy_q", "")))
    return render(request, "console/request_new.html", context, status=status)


def _form_again(data: QueryDict, **initial: Any) -> ConsoleIntakeForm:
    """The form as typed but unbound, so that a search or a picked answer shows no errors."""
    values: dict[str, Any] = {name: data.get(name, "") for name in ConsoleIntakeForm.base_fields}
    values.update(initial)
    return ConsoleIntakeForm(initial=values)


@require_http_methods(["GET", "POST"])
@filer_view
def request_new(request: ConsoleRequest) -> HttpResponse:
    actor = Actor(user=request.user)
    if request.method != "POST":
        return _intake_page(request, ConsoleIntakeForm(), None)
    data = request.POST
    if "use_policy" in data:
        # "Use this answer" without JavaScript: the page comes back with the answer filled in.
        entry_id = _int_or_none(data["use_policy"])
        entry = PolicyEntry.objects.filter(pk=entry_id).first() if entry_id else None
        if entry is None:
            return _intake_page(request, _form_again(data), data)
        return _intake_page(
            request, _form_again(data, answer=entry.answer, policy_entry=entry.pk), data
        )
    intent = data.get("intent", INTENT_FILE)
    if intent == INTENT_SEARCH:
        return _intake_page(request, _form_again(data), data)
    answering = intent == INTENT_ANSWER
    form = ConsoleIntakeForm(data, answering=answering)
    status = 422
    if form.is_valid():
        try:
            if answering:
                entry = form.cleaned_data.get("policy_entry")
                help_request = services.request_create_answered(
                    actor=actor,
                    new=form.to_new_request(),
                    answer=form.cleaned_data["answer"],
                    data={"policy_entry": entry.pk} if entry else {},
                )
            else:
                help_request, _created = services.request_create(
                    actor=actor, new=form.to_new_request()
                )
        except HuyingError as error:
            add_error_details(form, error)
            status = error.http_status
        else:
            # The number is shown large on the next page, to be read back to the caller.
            tags = "filed answered" if answering else "filed"
            messages.success(request, help_request.number, extra_tags=tags)
            return redirect("console:request_detail", number=help_request.number)
    form.focus_first_error()
    return _intake_page(request, form, data, status=status)


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Helpers of the new-request page, called by HTMX as the operator types ---------------------
# Each answers with a fragment of the page. Only those who may file requests may call them:
# the caller history and the duplicates show other people's requests.


@require_GET
@filer_view
def intake_history(request: ConsoleRequest) -> HttpResponse:
    """The caller's earlier requests, with any still open flagged."""
    context = _history_context(Actor(user=request.user), request.GET.get("requester_phone", ""))
    return render(request, "console/_caller_history.html", {**context, "oob": True})


@require_POST
@filer_view
def intake_triage(request: ConsoleRequest) -> HttpResponse:
    """Category and urgency suggested by the description's words (POST: it may be long)."""
    context = _triage_context(request.POST.get("description", ""))
    return render(request, "console/_triage.html", context)


@require_POST
@filer_view
def intake_duplicates(request: ConsoleRequest) -> HttpResponse:
    """Requests the one being typed may repeat; a warning only, filing is not blocked."""
    context = _duplicates_context(Actor(user=request.user), request.POST)
    return render(request, "console/_duplicates.html", {**context, "oob": True})


@require_GET
@filer_view
def policy_search(request: ConsoleRequest) -> HttpResponse:
    """Policy entries in force today that answer the caller's question."""
    context = _policy_context(request.GET.get("policy_q", ""))
    return render(request, "console/_policy_results.html", context)


# --- A request's page and its actions ---------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """How the console offers one life-cycle action: its form, its service call, its words."""

    form_class: type[forms.Form]
    perform: Callable[[HelpRequest, Actor, dict[str, Any]], HelpRequest]
    label: str | Promise
    done: str | Promise


def _merge(help_request: HelpRequest, actor: Actor, data: dict[str, Any]) -> HelpRequest:
    # Refuse someone who may not merge before looking up the other number for them.
    require_action(actor, "merge", help_request)
    try:
        into = get_request_for(actor, data["into"])
    except NotFound as error:
        raise InvalidInput.for_field("into", str(error.message)) from None
    return services.request_merge(help_request, actor=actor, into=into, note=data["note"])


ACTIONS: dict[str, Action] = {
    "dispatch": Action(
        DispatchForm,
        lambda hr, actor, d: services.request_dispatch(
            hr, actor=actor, group=d["group"], assisting=d["assisting_groups"], note=d["note"]
        ),
        gettext_lazy("Dispatch"),
        gettext_lazy("Dispatched to the group."),
    ),
    "merge": Action(
        MergeForm, _merge, gettext_lazy("Merge as a duplicate"), gettext_lazy("Merged.")
    ),
    "resolve_at_intake": Action(
        ResolveAtIntakeForm,
        lambda hr, actor, d: services.request_resolve_at_intake(
            hr, actor=actor, answer=d["answer"]
        ),
        gettext_lazy("Answered on the line"),
        gettext_lazy("Resolved with the answer given on the line."),
    ),
    "accept": Action(
        NoteForm,
        lambda hr, actor, d: services.request_accept(hr, actor=actor, note=d["note"]),
        gettext_lazy("Accept"),
        gettext_lazy("Accepted. The group now owns this request."),
    ),
    "return": Action(
        ReasonForm,
        lambda hr, actor, d: services.request_return(hr, actor=actor, reason=d["reason"]),
        gettext_lazy("Return to the dispatcher"),
        gettext_lazy("Returned to the dispatcher."),
    ),
    "start": Action(
        NoteForm,
        lambda hr, actor, d: services.request_start(hr, actor=actor, note=d["note"]),
        gettext_lazy("Start work"),
        gettext_lazy("Work started."),
    ),
    "resolve": Action(
        ResolveForm,
        lambda hr, actor, d: services.request_resolve(
            hr, actor=actor, answer=d["answer"], answer_method=d["answer_method"]
        ),
        gettext_lazy("Resolve with an answer"),
        gettext_lazy("Resolved. The requester will be told the answer."),
    ),
    "close": Action(
        CloseForm,
        lambda hr, actor, d: services.request_close(
            hr, actor=actor, satisfaction=d["satisfaction"], note=d["note"]
        ),
        gettext_lazy("Close with the requester's rating"),
        gettext_lazy("Closed."),
    ),
    "reopen": Action(
        ReasonForm,
        lambda hr, actor, d: services.request_reopen(hr, actor=actor, reason=d["reason"]),
        gettext_lazy("Reopen"),
        gettext_lazy("Reopened: the group must work on it again."),
    ),
    "note": Action(
        ProgressNoteForm,
        lambda hr, actor, d: services.request_note(hr, actor=actor, note=d["note"]),
        gettext_lazy("Add a progress note"),
        gettext_lazy("Progress note added."),
    ),
}


#: Offered folded away, below the step that moves the request forward.
SECONDARY_ACTIONS = frozenset({"merge", "return", "reopen"})


def _action_form(
    name: str, data: QueryDict | None = None, initial: dict[str, Any] | None = None
) -> forms.Form:
    # One id namespace per action: several forms on the page have a "note".
    return ACTIONS[name].form_class(data, initial=initial, auto_id=f"id_{name}_%s")


@dataclass(frozen=True)
class TimelineEntry:
    event: Event
    detail: str


def _timeline(help_request: HelpRequest) -> list[TimelineEntry]:
    events = list(request_timeline(help_request))
    codes = {
        code
        for event in events
        if event.kind == Event.Kind.DISPATCHED
        for code in [event.data.get("group", ""), *event.data.get("assisting", [])]
    }
    names = (
        {group.code: group.display_name for group in Group.objects.filter(code__in=codes)}
        if codes
        else {}
    )
    entries = []
    for event in events:
        data = event.data
        detail = ""
        if event.kind == Event.Kind.DISPATCHED:
            detail = _("to %(group)s") % {"group": names.get(data.get("group", ""), "?")}
            if data.get("assisting"):
                helpers = "、".join(names.get(code, code) for code in data["assisting"])
                detail += "; " + _("assisted by %(groups)s") % {"groups": helpers}
        elif "satisfaction" in data:
            detail = _("Rated: %(rating)s") % {"rating": _satisfaction_label(data["satisfaction"])}
        elif event.kind == Event.Kind.MERGED:
            detail = _("into %(number)s") % {"number": data.get("into", "?")}
        entries.append(TimelineEntry(event=event, detail=detail))
    return entries


def _satisfaction_label(value: str) -> str:
    return str(dict(Satisfaction.choices).get(value, value))


def _panel_context(
    actor: Actor,
    help_request: HelpRequest,
    *,
    posted: tuple[str, forms.Form] | None = None,
    success: str = "",
    template_id: int | None = None,
) -> dict[str, Any]:
    """Everything the request panel shows; ``posted`` keeps a failed form's input and errors.

    ``template_id`` (the answer template picked without JavaScript) fills the resolve form.
    """
    offered = []
    names = allowed_actions(actor, help_request)
    templates = (
        answer_templates_for(
            category_id=help_request.category_id, group_id=help_request.lead_group_id
        )
        if "resolve" in names
        else []
    )
    picked = next((t for t in templates if t.pk == template_id), None)
    for name in names:
        if posted and posted[0] == name:
            form = posted[1]
        elif name == "resolve" and picked is not None:
            form = _action_form(name, initial={"answer": picked.text})
        else:
            form = _action_form(name)
        offered.append(
            {
                "name": name,
                "label": ACTIONS[name].label,
                "form": form,
                "secondary": name in SECONDARY_ACTIONS,
            }
        )
    error = ""
    if posted and posted[0] not in {action["name"] for action in offered}:
        # The state moved on (someone else acted first): say so above the actions.
        error = " ".join(str(message) for message in posted[1].non_field_errors()) or _(
            "This action is not available for this request now."
        )
    return {
        "hr": help_request,
        "requester": requester_card(actor=actor, help_request=help_request),
        "reveal_form": RevealForm(),
        "timeline": _timeline(help_request),
        "assisting_groups": list(help_request.assisting_groups.all()),
        "duplicates": list(help_request.duplicates.values_list("number", flat=True)),
        "actions": offered,
        "action_error": error,
        "success": success,
        "answer_templates": templates,
        "picked_template": picked,
    }


@require_GET
@vary_on_headers("HX-Request")
@console_view
def request_detail(request: ConsoleRequest, number: str) -> HttpResponse:
    actor = Actor(user=request.user)
    help_request = _get_request_or_404(actor, number)
    template_id = _int_or_none(request.GET.get("template", ""))
    context = _panel_context(actor, help_request, template_id=template_id)
    template = "console/_panel.html" if _is_fragment(request) else "console/request_detail.html"
    return render(request, template, context)


class RevealForm(forms.Form):
    """The reason for seeing a requester's personal data in full; ``requester_reveal`` judges it."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text=gettext_lazy("For example: calling back to confirm the delivery address."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


@require_POST
@console_view
def request_personal_data(request: ConsoleRequest, number: str) -> HttpResponse:
    """Show the requester in full once a reason is given; the view and reason are recorded."""
    actor = Actor(user=request.user)
    help_request = _get_request_or_404(actor, number)
    form = RevealForm(request.POST)
    form.is_valid()
    status = 200
    try:
        card = requester_reveal(
            actor=actor,
            help_request=help_request,
            via="console",
            reason=request.POST.get("reason", ""),
        )
    except Forbidden as error:
        return _forbidden(request, str(error.message))
    except InvalidInput as error:
        add_error_details(form, error)
        card = requester_card(actor=actor, help_request=help_request)
        status = 422
    context: dict[str, Any] = {"hr": help_request, "requester": card, "reveal_form": form}
    if _is_fragment(request):
        return render(request, "console/_requester_card.html", context, status=status)
    # Without JavaScript: the whole page, with the card revealed (or the form's errors).
    page = _panel_context(actor, help_request)
    page.update(context)
    return render(request, "console/request_detail.html", page, status=status)


@require_POST
@console_view
def request_action(request: ConsoleRequest, number: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(action)
    actor = Actor(user=request.user)
    help_request = _get_request_or_404(actor, number)
    form = _action_form(action, request.POST)
    status = 422
    if form.is_valid():
        try:
            result = spec.perform(help_request, actor, form.cleaned_data)
        except HuyingError as error:
            add_error_details(form, error)
            status = error.http_status
        else:
            return _after_action(request, actor, action, result)
    # Read it again: a refusal often means someone else changed it meanwhile.
    help_request = _get_request_or_404(actor, number)
    context = _panel_context(actor, help_request, posted=(action, form))
    template = "console/_panel.html" if request.htmx else "console/request_detail.html"
    return render(request, template, context, status=status)


def _after_action(
    request: ConsoleRequest, actor: Actor, action: str, result: HelpRequest
) -> HttpResponse:
    done = str(ACTIONS[action].done)
    if action == "close" and result.status != Status.CLOSED:
        done = _("Rated unsatisfied: the request is reopened for the group to try again.")
    try:
        help_request = get_request_for(actor, result.number)
    except NotFound:
        # After a return the group no longer sees the request; back to their queue.
        messages.success(
            request, _("%(number)s: %(done)s") % {"number": result.number, "done": done}
        )
        url = reverse("console:request_list")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        return render(
            request, "console/_panel.html", _panel_context(actor, help_request, success=done)
        )
    messages.success(request, done)
    return redirect("console:request_detail", number=help_request.number)

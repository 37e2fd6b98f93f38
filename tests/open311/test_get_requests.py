"""GET requests.{xml,json} and requests/{id}: the filters, the defaults, paging and privacy."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from core.access import Actor
from core.demo import seed_requests
from core.models import Category, Group, HelpRequest, Status
from core.services import request_dispatch, request_merge, request_resolve_at_intake
from tests.open311.conftest import Open311, errors_of, json_of, spec_form, xml_of

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]

NOW = datetime.fromisoformat("2022-01-14T09:30:00+08:00")


def file(client: Open311, *, at: datetime = NOW, **overrides: Any) -> str:
    with time_machine.travel(at, tick=False):
        response = client.post("/requests.json", spec_form(**overrides))
    assert response.status_code == 200, response.content
    return str(json_of(response)[0]["service_request_id"])


def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["service_request_id"] for item in json_of(response)]


def get_at(client: Open311, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        return client.get(path, params, **kw)


# --- Shapes ----------------------------------------------------------------------------------


def test_the_filer_sees_its_request_in_full(app):
    number = file(app, description='孩子发烧39度 <script>alert("x")</script>')
    [item] = json_of(get_at(app, f"/requests/{number}.json"))
    assert list(item) == REQUEST_FIELDS
    assert item["service_request_id"] == number
    assert item["status"] == "open"
    assert item["status_notes"] is None
    assert (item["service_code"], item["service_name"]) == ("supplies", "生活物资")
    assert item["description"] == '孩子发烧39度 <script>alert("x")</script>'
    assert item["agency_responsible"] is None
    assert item["service_notice"]
    assert item["requested_datetime"] == "2022-01-14T09:30:00+08:00"
    assert item["updated_datetime"] == "2022-01-14T09:30:00+08:00"
    assert item["expected_datetime"] == "2022-01-15T09:30:00+08:00"  # urgent: 24 h
    assert item["address"] == "山阳区定和街道建设路12号院2单元"
    assert (item["lat"], item["long"]) == (35.2152, 113.2621)
    assert item["media_url"] == "https://img.example.com/2022/0114/formula.jpg"
    assert item["zipcode"] is None


def test_the_list_in_xml_has_the_spec_elements_and_escapes_text(app):
    file(app, description='<script>alert("x")</script>\n第二行 & 药')
    response = get_at(app, "/requests.xml")
    assert b"<script>" not in response.content
    assert b"&lt;script&gt;" in response.content
    root = xml_of(response)
    assert root.tag == "service_requests"
    [request] = list(root)
    assert request.tag == "request"
    assert [child.tag for child in request] == REQUEST_FIELDS
    assert request.findtext("description") == '<script>alert("x")</script>\n第二行 & 药'
    assert request.findtext("status") == "open"
    assert request.findtext("lat") == "35.2152"
    zipcode = request.find("zipcode")
    assert zipcode is not None and zipcode.text is None and len(zipcode) == 0


def test_text_xml_cannot_carry_is_dropped_not_sent(app):
    file(app, description="电话\x0b打不通\x01\r\n\t第二行")
    root = xml_of(get_at(app, "/requests.xml"))
    assert root[0].findtext("description") == "电话打不通\r\n\t第二行"


def test_an_unknown_request_is_404(public):
    response = public.get("/requests/20220114-9999.json")
    assert response.status_code == 404
    [description] = errors_of(response)
    assert description.startswith("service_request_id")
    assert errors_of(public.get("/requests/20220114-9999.xml"))


# --- Privacy -------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["public", "other_app"])
def test_anyone_else_sees_a_reduced_request(app, viewer, request):
    number = file(app)
    client = request.getfixturevalue(viewer)
    for path in (f"/requests/{number}.json", "/requests.json"):
        [item] = json_of(get_at(client, path))
        assert list(item) == REQUEST_FIELDS
        # A neutral text: the service and the county, nothing the person wrote.
        assert re.fullmatch(r"生活物资\W{1,2}山阳区", item["description"]), item["description"]
        assert "奶粉" not in str(item)
        assert item["address"] == "山阳区 定和街道"
        for hidden in ("lat", "long", "address_id", "media_url", "status_notes"):
            assert item[hidden] is None
        assert item["status"] == "open"
        assert item["service_code"] == "supplies"


def test_the_answer_is_only_for_the_filer(app, public, operator):
    number = file(app)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        request_resolve_at_intake(
            HelpRequest.objects.get(number=number),
            actor=Actor(user=operator),
            answer="已联系社区网格员今晚送奶粉上门。",
        )
    [mine] = json_of(get_at(app, f"/requests/{number}.json"))
    [theirs] = json_of(get_at(public, f"/requests/{number}.json"))
    assert mine["status"] == theirs["status"] == "closed"
    assert mine["status_notes"] == "已联系社区网格员今晚送奶粉上门。"
    assert theirs["status_notes"] is None
    assert mine["updated_datetime"] == "2022-01-14T09:40:00+08:00"
    assert mine["service_notice"] is None


def test_requests_filed_elsewhere_are_reduced_for_everyone(app, make_request):
    with time_machine.travel(NOW, tick=False):
        help_request = make_request()
    [item] = json_of(get_at(app, f"/requests/{help_request.number}.json"))
    assert "透析" not in str(item)
    assert item["address"] == "解放区 焦南街道"


def test_a_wrong_key_on_a_read_is_403(public):
    response = public.get("/requests.json", {"api_key": "hyk_wrong"})
    assert response.status_code == 403
    assert errors_of(response)[0].startswith("api_key")


# --- Status, group, merge ------------------------------------------------------------------


def test_status_maps_to_open_and_closed_and_the_group_is_named(app, dispatcher, group_a):
    dispatched = file(app)
    merged = file(app)
    actor = Actor(user=dispatcher)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        request_dispatch(HelpRequest.objects.get(number=dispatched), actor=actor, group=group_a)
        request_merge(
            HelpRequest.objects.get(number=merged),
            actor=actor,
            into=HelpRequest.objects.get(number=dispatched),
        )
    items = {i["service_request_id"]: i for i in json_of(get_at(app, "/requests.json"))}
    assert items[dispatched]["status"] == "open"
    assert items[dispatched]["agency_responsible"] == "医疗救治组"
    assert items[merged]["status"] == "closed"
    assert dispatched in items[merged]["status_notes"]


# --- Filters --------------------------------------------------------------------------------


@pytest.fixture
def three(app: Open311, dispatcher: User, operator: User) -> dict[str, str]:
    """Three requests: medical (open), supplies (answered on the line), testing 100 days ago."""
    medical = file(app, service_code="medical", at=NOW - timedelta(days=2))
    supplies = file(app, service_code="supplies", at=NOW - timedelta(days=1))
    old = file(app, service_code="testing", at=NOW - timedelta(days=100))
    with time_machine.travel(NOW - timedelta(hours=20), tick=False):
        request_resolve_at_intake(
            HelpRequest.objects.get(number=supplies), actor=Actor(user=operator), answer="已答复"
        )
    return {"medical": medical, "supplies": supplies, "old": old}


def test_by_default_the_last_90_days_newest_first(public, three):
    assert numbers(get_at(public, "/requests.json")) == [three["supplies"], three["medical"]]


def test_filter_by_service_code_repeated_or_comma_separated(public, three):
    one = get_at(public, "/requests.json", {"service_code": "medical"})
    assert numbers(one) == [three["medical"]]
    both = get_at(public, "/requests.json", {"service_code": "medical,supplies"})
    assert numbers(both) == [three["supplies"], three["medical"]]
    repeated = get_at(public, "/requests.json", {"service_code": ["medical", "supplies"]})
    assert numbers(repeated) == numbers(both)


def test_filter_by_status(public, three):
    assert numbers(get_at(public, "/requests.json", {"status": "open"})) == [three["medical"]]
    assert numbers(get_at(public, "/requests.json", {"status": "closed"})) == [three["supplies"]]
    assert len(numbers(get_at(public, "/requests.json", {"status": "open,closed"}))) == 2


def test_filter_by_dates(public, three):
    window = {
        "start_date": (NOW - timedelta(days=101)).isoformat(),
        "end_date": (NOW - timedelta(days=99)).isoformat(),
    }
    assert numbers(get_at(public, "/requests.json", window)) == [three["old"]]
    utc = {"start_date": "2022-01-12T00:00:00Z", "end_date": "2022-01-12T23:59:59Z"}
    assert numbers(get_at(public, "/requests.json", utc)) == [three["medical"]]
    day_only = {"start_date": "2022-01-13", "end_date": "2022-01-14"}
    assert numbers(get_at(public, "/requests.json", day_only)) == [three["supplies"]]
    # A date alone is the whole day; a month alone the whole month.
    one_day = {"start_date": "2022-01-12", "end_date": "2022-01-12"}
    assert numbers(get_at(public, "/requests.json", one_day)) == [three["medical"]]
    october = {"start_date": "2021-10", "end_date": "2021-10"}
    assert numbers(get_at(public, "/requests.json", october)) == [three["old"]]


def test_a_start_date_alone_reaches_90_days_on(public, three):
    start = (NOW - timedelta(days=120)).isoformat()
    assert numbers(get_at(public, "/requests.json", {"start_date": start})) == [three["old"]]


def test_an_end_date_alone_reaches_90_days_back(public, three):
    end = (NOW - timedelta(days=1, hours=12)).isoformat()
    assert numbers(get_at(public, "/requests.json", {"end_date": end})) == [three["medical"]]


def test_an_unescaped_plus_in_the_offset_is_understood(public, three):
    # "+08:00" typed into a URL arrives as " 08:00".
    response = public.client.get(
        "/open311/v2/requests.json?start_date=2022-01-12T00:00:00+08:00"
        "&end_date=2022-01-12T23:59:59+08:00"
    )
    assert numbers(response) == [three["medical"]]


def test_service_request_id_overrides_every_other_filter(public, three):
    params = {
        "service_request_id": f"{three['old']},nope,{three['medical']}",
        "status": "closed",
        "service_code": "supplies",
    }
    assert numbers(get_at(public, "/requests.json", params)) == [three["old"], three["medical"]]


def test_paging(public, three):
    first = get_at(public, "/requests.json", {"page_size": 1})
    second = get_at(public, "/requests.json", {"page_size": 1, "page": 2})
    third = get_at(public, "/requests.json", {"page_size": 1, "page": 3})
    assert numbers(first) == [three["supplies"]]
    assert numbers(second) == [three["medical"]]
    assert numbers(third) == []


def test_a_page_size_over_the_limit_is_cut_to_it(public, three):
    assert len(numbers(get_at(public, "/requests.json", {"page_size": 5000}))) == 2


def test_at_most_1000_requests_and_the_rest_on_page_2(public, django_assert_max_num_queries):
    seed_requests(count=1010, days=30, seed=3)
    with django_assert_max_num_queries(4):
        first = json_of(public.get("/requests.json"))
    second = json_of(public.get("/requests.json", {"page": 2}))
    assert (len(first), len(second)) == (1000, 10)
    stamps = [item["requested_datetime"] for item in first + second]
    assert stamps == sorted(stamps, reverse=True)
    assert len({item["service_request_id"] for item in first + second}) == 1010


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2022-13-40T00:00:00Z"}, "end_date"),
        ({"start_date": "2022-01-10T00:00:00Z", "end_date": "2022-01-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2021-01-01T00:00:00Z", "end_date": "2022-01-01T00:00:00Z"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "pothole"}, "service_code"),
        ({"page": "0"}, "page"),
        ({"page_size": "ten"}, "page_size"),
        ({"page": "1000", "page_size": "1000"}, "page"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(public, params, field):
    response = public.get("/requests.json", params)
    assert response.status_code == 400
    descriptions = errors_of(response)
    assert [d.split(":")[0].split("：")[0] for d in descriptions] == [field]


def test_end_before_start_in_english(public):
    params = {"start_date": "2022-01-10T00:00:00Z", "end_date": "2022-01-01T00:00:00Z"}
    response = public.get("/requests.xml", params, lang="en")
    assert errors_of(response) == ["end_date: The end date is before the start date."]


def test_empty_parameters_count_as_absent(public, three):
    params = {"status": "", "service_code": "", "start_date": "", "page": ""}
    assert len(numbers(get_at(public, "/requests.json", params))) == 2


def test_the_list_takes_a_fixed_number_of_queries(public, app, django_assert_max_num_queries):
    for hours in range(1, 6):
        file(app, at=NOW - timedelta(hours=hours))
    Group.objects.create(code="g", name="组", kind=Group.Kind.WORKING_GROUP)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(5):
        assert len(json_of(app.get("/requests.json"))) == 5


def test_inactive_categories_still_name_old_requests(public, three):
    Category.objects.filter(code="medical").update(is_active=False)
    items = json_of(get_at(public, "/requests.json", {"service_code": "medical"}))
    assert items[0]["service_name"] == "就医需求（含配药）"
    assert HelpRequest.objects.get(number=three["medical"]).status == Status.RECEIVED


def test_requested_datetime_is_iso_8601_with_offset(public, three):
    [item] = json_of(get_at(public, f"/requests/{three['medical']}.json"))
    moment = datetime.fromisoformat(item["requested_datetime"])
    assert moment.utcoffset() == timedelta(hours=8)
    assert moment == NOW - timedelta(days=2)
    assert timezone.is_aware(moment)

"""The publishable summary: the outcome of a request with no one in it."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.access import Actor
from core.models import AnswerMethod, Category, Division, RequesterKind
from core.publishing import address_variants, name_variants, public_summary, redact
from core.services import request_accept, request_dispatch, request_resolve

R = "***"


# --- Phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "13812341234",
        "138 1234 1234",
        "138-1234-1234",
        "138 1234-1234",
        "+86 138 1234 1234",
        "+86-13812341234",
        "+8613812341234",
        "(+86)13812341234",
        "（+86）13812341234",
        "008613812341234",
        "１３８１２３４１２３４",
    ],
)
def test_mobile_numbers_go_however_they_are_written(phone):
    assert redact(f"请拨打{phone}联系") == f"请拨打{R}联系"


@pytest.mark.parametrize(
    "phone",
    [
        "0391-3568888",
        "03913568888",
        "0391 3568888",
        "(0391)3568888",
        "（0391）3568888",
        "010-62345678",
    ],
)
def test_landlines_with_their_area_code_go(phone):
    assert redact(f"座机{phone}。") == f"座机{R}。"


def test_the_persons_landline_goes_without_its_area_code_too():
    text = "已回电3568888，也可拨356-8888。"
    assert redact(text, phones=("0391-3568888",)) == f"已回电{R}，也可拨{R}。"
    # Another seven-digit number is not theirs and stays.
    assert redact("编号3568889", phones=("0391-3568888",)) == "编号3568889"


def test_the_last_four_digits_go_as_they_open_the_tracking_page():
    assert redact("尾号1234的居民") == f"尾号{R}的居民"
    assert redact("手机后四位是5678") == f"手机后四位是{R}"


# --- ID numbers and other identifiers -----------------------------------------------------------


@pytest.mark.parametrize(
    "id_number",
    [
        "410802199001011232",
        "41080219900101123X",
        "41080219900101123x",
        "410802 19900101 123X",
        "410802900101123",
    ],
)
def test_id_numbers_go_also_with_an_x(id_number):
    assert redact(f"身份证{id_number}，") == f"身份证{R}，"


def test_email_addresses_and_licence_plates_go():
    assert (
        redact("邮箱wang.jg@example.com，车牌豫H12345、豫H·D12345。") == f"邮箱{R}，车牌{R}、{R}。"
    )


# --- Homes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("送到3号楼2单元501", f"送到{R}"),
        ("送到3号楼2单元501室门口", f"送到{R}门口"),
        ("12栋3单元", R),
        ("8幢", R),
        ("501室", R),
        ("三号楼一单元", R),
        ("5号院", R),
        ("家住3-2-501。", f"家住{R}。"),
        ("人民路88号", f"人民路{R}"),
        ("王庄村3组", f"王庄村{R}"),
    ],
)
def test_house_numbers_go(text, expected):
    assert redact(text) == expected


def test_the_community_in_the_persons_address_goes_and_the_street_stays():
    places = address_variants("焦南街道幸福里小区3号楼2单元501", keep=("焦南街道", "解放区"))
    assert "幸福里小区" in places and "幸福里" in places
    assert "焦南街道" not in places
    text = "焦南街道已协调，物资送到幸福里小区门口，幸福里的网格员签收。"
    assert redact(text, places=places) == f"焦南街道已协调，物资送到{R}门口，{R}的网格员签收。"


# --- Names ------------------------------------------------------------------------------------


def test_the_name_and_the_ways_a_text_refers_to_the_person_go():
    text = "张秀兰反映的问题已解决，张女士、张阿姨、老张、小张、张某某均表示感谢。"
    assert (
        redact(text, names=("张秀兰",))
        == f"{R}反映的问题已解决，{R}、{R}、{R}、{R}、{R}均表示感谢。"
    )


def test_the_family_name_alone_stays():
    text = "已张贴通知，请勿紧张。"
    assert redact(text, names=("张秀兰",)) == text


def test_a_compound_family_name_is_kept_whole():
    assert "欧阳女士" in name_variants("欧阳娜娜")
    assert "欧女士" not in name_variants("欧阳娜娜")
    assert redact("欧阳娜娜即欧阳女士", names=("欧阳娜娜",)) == f"{R}即{R}"


def test_a_one_character_name_is_not_removed_from_every_word():
    assert redact("已送达。", names=("送",)) == "已送达。"


# --- What stays -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1月14日20:30送达，2022-01-14复查，今晚8点出发。",
        "药只够3天，已送去7天的量，隔离14天后解除。",
        "已联系120急救，也可拨打12345热线或110。",
        "为12户居民配送蔬菜，800名员工已返岗，48小时核酸阴性。",
        "请于2022年1月15日上午10:00前到3楼发热门诊。",
        "编号20220114-0097的请求已合并。",
    ],
)
def test_dates_times_counts_and_public_numbers_stay(text):
    assert redact(text) == text


def test_two_masks_side_by_side_read_as_one():
    assert redact("王建国 13912345678", names=("王建国",)) == R


# --- The summary ------------------------------------------------------------------------------


@pytest.fixture
def answered(make_request, dispatcher, member_a, group_a):
    def answer(text: str, **overrides):
        help_request = make_request(**overrides)
        request_dispatch(help_request, actor=Actor(user=dispatcher), group=group_a)
        request_accept(help_request, actor=Actor(user=member_a))
        return request_resolve(
            help_request, actor=Actor(user=member_a), answer=text, answer_method=AnswerMethod.PHONE
        )

    return answer


def test_no_summary_while_the_request_is_open(make_request):
    assert public_summary(make_request()) == ""


def test_the_summary_leaves_out_everything_personal(answered):
    help_request = answered(
        "已联系张丽（13812341234，身份证410802199001011232），张女士家住幸福里小区3号楼，"
        "焦南街道已安排120于今晚8点转运至市人民医院透析。",
        address="焦南街道幸福里小区3号楼",
    )
    with translation.override("en"):
        summary = public_summary(help_request)
    for personal in ["张丽", "张女士", "13812341234", "410802199001011232", "幸福里", "3号楼"]:
        assert personal not in summary, personal
    assert "Jiefang District" in summary
    assert "Medical care and medicine" in summary
    assert "Medical care group" in summary
    # A street is public, and so is what was done.
    assert "焦南街道已安排120于今晚8点转运至市人民医院透析" in summary


def test_a_companys_summary_says_a_company_and_does_not_name_it(answered):
    help_request = answered(
        "已为焦作市某某机械有限公司办理复工备案，联系人李强13698765432。",
        category=Category.objects.get(code="enterprise"),
        division=Division.objects.get(code="410802001"),
        requester_kind=RequesterKind.ENTERPRISE,
        requester_name="李强",
        requester_phone="13698765432",
        organisation="焦作市某某机械有限公司",
        uscc="91410800MA44PQ5G0X",
    )
    with translation.override("en"):
        summary = public_summary(help_request)
    assert "a company" in summary
    for personal in ["某某机械", "李强", "13698765432"]:
        assert personal not in summary, personal

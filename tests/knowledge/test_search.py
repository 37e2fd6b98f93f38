"""The policy knowledge base: what is in force on a day, and what a caller's words find."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from core.models import Category
from knowledge.demo import DEMO_POLICIES, ensure_demo_policies
from knowledge.models import PolicyEntry
from knowledge.selectors import MAX_RESULTS, search_policies

pytestmark = pytest.mark.django_db

DAY = date(2022, 1, 15)


def entry(question: str, answer: str = "请按通告执行。", **fields) -> PolicyEntry:
    values = {
        "question": question,
        "answer": answer,
        "source": "焦作市疫情防控指挥部通告（第3号）",
        "keywords": "",
        "valid_from": date(2022, 1, 1),
        "category": Category.objects.get(code="policy"),
    }
    values.update(fields)
    return PolicyEntry.objects.create(**values)


def questions(query: str, on: date = DAY, **kwargs) -> list[str]:
    return [hit.entry.question for hit in search_policies(query, on=on, **kwargs)]


def test_it_finds_an_entry_by_the_whole_query():
    entry("从外地返焦需要怎么报备？")
    entry("核酸检测点在哪里？")
    assert questions("返焦") == ["从外地返焦需要怎么报备？"]


def test_it_finds_an_entry_by_character_pairs_of_a_sentence():
    entry("从外地返焦需要怎么报备？", keywords="返乡 回家过年")
    # No entry contains the sentence, but 返乡 (keywords) and 报备 (question) are in it.
    assert questions("我过年返乡要不要报备啊") == ["从外地返焦需要怎么报备？"]


def test_a_hit_in_the_question_ranks_above_one_in_the_answer():
    entry("核酸结果多久出来？", answer="一般12小时，可在健康码页面查看。")
    entry("健康码变黄码怎么转绿？", answer="完成两次核酸检测后申请。")
    assert questions("健康码") == ["健康码变黄码怎么转绿？", "核酸结果多久出来？"]
    hits = search_policies("健康码", on=DAY)
    assert hits[0].score > hits[1].score > 0


def test_keywords_find_what_callers_call_it():
    entry("密切接触者要隔离多少天？", keywords="密接 隔离几天 隔离多久")
    assert questions("隔离多久") == ["密切接触者要隔离多少天？"]


def test_only_entries_in_force_on_the_day_are_found():
    entry("已结束的政策：棋牌室能营业吗？", valid_from=date(2022, 1, 1), valid_to=date(2022, 1, 14))
    entry("今天起的政策：棋牌室能营业吗？", valid_from=date(2022, 1, 15))
    entry("以后的政策：棋牌室能营业吗？", valid_from=date(2022, 1, 16))
    entry("到今天为止的政策：棋牌室能营业吗？", valid_to=date(2022, 1, 15))
    assert sorted(questions("棋牌室")) == sorted(
        ["今天起的政策：棋牌室能营业吗？", "到今天为止的政策：棋牌室能营业吗？"]
    )
    assert sorted(questions("棋牌室", on=date(2022, 1, 14))) == sorted(
        ["已结束的政策：棋牌室能营业吗？", "到今天为止的政策：棋牌室能营业吗？"]
    )
    assert questions("棋牌室", on=date(2021, 12, 31)) == []


def test_an_inactive_entry_is_never_found():
    entry("健康码怎么转码？", is_active=False)
    assert questions("健康码") == []


def test_an_empty_or_blank_query_finds_nothing():
    entry("健康码怎么转码？")
    assert questions("") == []
    assert questions("   \n\t ") == []


def test_a_query_of_only_punctuation_or_wildcards_finds_nothing():
    entry("健康码怎么转码？")
    entry("医药费能100%报销吗？", answer="按医保规定报销。")
    for query in ("？", "？？？", "%", "%%", "！！", "…"):
        assert questions(query) == [], query
    # A wildcard inside real words is only a character: "100%" is found where it is written.
    assert questions("100%") == ["医药费能100%报销吗？"]


def test_a_question_made_only_of_filler_words_still_searches_them():
    entry("买不到药怎么办？")
    assert questions("怎么办") == ["买不到药怎么办？"]


def test_filler_words_do_not_drag_in_unrelated_entries():
    entry("买不到药怎么办？")
    entry("健康码怎么转码？")
    assert questions("健康码怎么办") == ["健康码怎么转码？"]


def test_a_very_long_query_is_cut_short_and_answered(django_assert_max_num_queries):
    entry("健康码怎么转码？")
    with django_assert_max_num_queries(1):
        assert questions("健康码" + "啊" * 20000) == ["健康码怎么转码？"]
    assert questions("x" * 100000) == []


def test_the_number_of_results_is_limited():
    for n in range(30):
        entry(f"第{n}个关于核酸的问题")
    assert len(questions("核酸")) == 8
    assert len(questions("核酸", limit=3)) == 3
    assert len(questions("核酸", limit=1000)) == MAX_RESULTS


def test_an_end_before_the_start_is_refused():
    bad = PolicyEntry(
        question="q",
        answer="a",
        source="s",
        valid_from=date(2022, 1, 10),
        valid_to=date(2022, 1, 9),
    )
    with pytest.raises(ValidationError) as refused:
        bad.full_clean()
    assert "valid_to" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        bad.save()


def test_demo_policies_are_added_once_and_answer_the_hotlines_questions():
    assert ensure_demo_policies() == len(DEMO_POLICIES)
    assert ensure_demo_policies() == 0
    assert PolicyEntry.objects.count() == len(DEMO_POLICIES) >= 15
    assert all(policy.category for policy in PolicyEntry.objects.all())

    today = date(2026, 1, 15)
    for query, expected in [
        ("返乡报备", "从外地返焦需要怎么报备？"),
        ("黄码怎么转绿", "健康码变成黄码或红码了，怎么转绿？"),
        ("核酸检测点几点开始", "全员核酸检测的采样点在哪里、几点开始？"),
        ("密接隔离几天", "密切接触者、次密接要隔离多少天？"),
        ("管控区能出小区吗", "封控区、管控区、防范区的小区能不能进出？"),
        ("货车通行证", "货车司机进出焦作要什么手续？重点物资车辆通行证怎么办？"),
        ("透析怎么去医院", "封控期间急需就医怎么办？"),
        ("胰岛素送药", "封控小区里的慢性病患者买不到药怎么办？"),
        ("工厂复工", "企业复工复产需要什么条件？"),
    ]:
        assert questions(query, on=today)[0] == expected, query


def test_a_changed_policy_answers_by_the_day_asked():
    ensure_demo_policies()
    before = search_policies("网吧能营业吗", on=date(2022, 1, 18))[0].entry
    after = search_policies("网吧能营业吗", on=date(2022, 1, 25))[0].entry
    assert "暂停营业" in before.answer
    assert "恢复营业" in after.answer
    assert before.question == after.question


def test_seed_demo_fills_the_knowledge_base_and_can_run_again():
    for _ in range(2):
        call_command("seed_demo", "--requests", "0", "--no-accounts", stdout=StringIO())
    assert PolicyEntry.objects.count() == len(DEMO_POLICIES)


def test_what_the_policy_desk_changed_survives_a_second_seed():
    ensure_demo_policies()
    edited = PolicyEntry.objects.get(question="从外地返焦需要怎么报备？")
    edited.answer = "新的答复"
    edited.save()
    ensure_demo_policies()
    edited.refresh_from_db()
    assert edited.answer == "新的答复"

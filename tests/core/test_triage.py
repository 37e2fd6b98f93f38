"""Triage hints: the keyword tables, the suggestion they give, and the text measure of duplicates."""

from __future__ import annotations

import pytest

from core.models import Urgency
from core.reference_data import CATEGORIES
from core.triage import (
    CATEGORY_OF_WORD,
    CATEGORY_PRECEDENCE,
    CATEGORY_WORDS,
    URGENCY_OF_WORD,
    URGENCY_WORDS,
    bigrams,
    similarity,
    suggest,
    urgency_rank,
)

CRITICAL = [
    "透析",
    "见红",
    "呼吸困难",
    "胸痛",
    "昏迷",
    "想不开",
    "大出血",
    "抽搐",
    "轻生",
    "早产",
    "心梗",
    "脑梗",
    "休克",
    "窒息",
]
URGENT = ["奶粉", "断药", "胰岛素", "发烧"]


@pytest.mark.parametrize("word", CRITICAL)
def test_words_of_a_life_at_risk_make_it_critical(word):
    suggestion = suggest(f"家里人{word}了，小区封控出不去，请帮忙。")
    assert suggestion.urgency == Urgency.CRITICAL
    assert word in suggestion.urgency_words
    assert word in suggestion.matched


@pytest.mark.parametrize("word", URGENT)
def test_words_of_harm_within_a_day_make_it_urgent(word):
    suggestion = suggest(f"家里{word}的事，明天就撑不住了")
    assert suggestion.urgency == Urgency.URGENT
    assert suggestion.urgency_words == (word,)


def test_critical_wins_over_urgent_and_only_its_words_are_shown():
    suggestion = suggest("父亲发烧三天，今天昏迷了")
    assert suggestion.urgency == Urgency.CRITICAL
    assert suggestion.urgency_words == ("昏迷",)


def test_no_word_means_normal_and_no_category():
    for text in ("", "   ", "请问一下今天天气怎么样", "<script>alert(1)</script>"):
        suggestion = suggest(text)
        assert suggestion.category is None
        assert suggestion.urgency == Urgency.NORMAL
        assert suggestion.matched == ()
        assert suggestion.is_empty


def test_every_category_has_words_and_a_place_in_the_tie_break():
    codes = {code for code, _, _ in CATEGORIES}
    assert set(CATEGORY_WORDS) == codes
    assert set(CATEGORY_PRECEDENCE) == codes
    assert all(CATEGORY_WORDS[code] for code in codes)


@pytest.mark.parametrize(
    ("code", "word"), [(code, word) for code, words in CATEGORY_WORDS.items() for word in words]
)
def test_each_category_word_alone_suggests_its_own_category(code, word):
    # Also proves that no word is listed under two categories: each means one thing.
    assert CATEGORY_OF_WORD[word.lower()] == code
    assert suggest(word).category == code


def test_no_word_is_both_critical_and_urgent():
    critical = set(URGENCY_WORDS[Urgency.CRITICAL])
    urgent = set(URGENCY_WORDS[Urgency.URGENT])
    assert critical.isdisjoint(urgent)
    assert set(URGENCY_OF_WORD.values()) == {Urgency.CRITICAL, Urgency.URGENT}


@pytest.mark.parametrize(
    ("text", "category", "urgency"),
    [
        (
            "母亲尿毒症需每周三次透析，小区封控出不去，明天上午必须到市人民医院。",
            "medical",
            "critical",
        ),
        ("隔离在家，婴儿奶粉只够明天一顿，超市不送货。", "supplies", "urgent"),
        ("货车司机在收费站滞留，需要通行证。", "travel", "normal"),
        ("我的健康码突然变成黄码了，请帮忙转码", "health_code", "normal"),
        ("我们小区今天的核酸检测点在哪？几点开始采样？", "testing", "normal"),
        ("我们公司员工被封在厂里，原料运不进来，请求复工复产", "enterprise", "normal"),
        ("独自隔离了十天，很焦虑，晚上睡不着", "mental", "normal"),
        ("举报：有一家棋牌室偷偷营业", "report", "normal"),
        ("感谢社区志愿者天天送菜", "other", "normal"),
        ("请问从郑州返乡需要报备吗", "policy", "normal"),
        ("隔离点房间没有热水，门磁也坏了", "quarantine", "normal"),
        ("我爸说不想活了，一直在哭", "mental", "critical"),
    ],
)
def test_calls_of_the_seed_story_get_the_right_suggestion(text, category, urgency):
    suggestion = suggest(text)
    assert (suggestion.category, suggestion.urgency) == (category, urgency)


def test_the_longest_word_counts_not_the_words_inside_it():
    # "没报备" is a report about someone else, not a question about the rules (报备).
    suggestion = suggest("楼上有人从外地回来没报备")
    assert suggestion.category == "report"
    assert suggestion.category_words == ("没报备",)


def test_a_premature_babys_formula_is_urgent_supplies_not_a_premature_birth():
    assert (suggest("早产儿奶粉快没了").category, suggest("早产儿奶粉快没了").urgency) == (
        "supplies",
        "urgent",
    )
    assert suggest("孕32周，好像要早产了").urgency == Urgency.CRITICAL


def test_a_tie_goes_to_the_category_where_a_wrong_guess_hurts_more():
    # One word each for supplies (奶粉) and quarantine (居家隔离): supplies comes first.
    assert suggest("居家隔离，奶粉").category == "supplies"
    assert CATEGORY_PRECEDENCE.index("medical") < CATEGORY_PRECEDENCE.index("policy")


def test_more_words_beat_precedence():
    suggestion = suggest("健康码黄码，想转码，核酸")
    assert suggestion.category == "health_code"
    assert suggestion.category_words == ("健康码", "黄码", "转码")


def test_a_word_counted_twice_is_shown_once():
    suggestion = suggest("透析透析透析")
    assert suggestion.urgency_words == ("透析",)
    assert suggestion.category_words == ("透析",)
    assert suggestion.matched == ("透析",)


def test_urgency_rank_orders_critical_first_and_unknown_as_normal():
    assert urgency_rank("critical") < urgency_rank("urgent") < urgency_rank("normal")
    assert urgency_rank("whatever") == urgency_rank("normal")


def test_bigrams_are_pairs_of_neighbouring_characters_within_words():
    assert bigrams("健康码，转码") == {"健康", "康码", "转码"}
    assert bigrams("码") == {"码"}
    assert bigrams("ABC de") == {"ab", "bc", "de"}
    assert bigrams("，。！ ") == set()
    assert bigrams("") == set()


def test_similarity_is_one_for_the_same_text_and_zero_for_nothing_shared():
    text = "小区停水三天了"
    assert similarity(text, text) == 1.0
    assert similarity(text, "健康码转码") == 0.0
    assert similarity("", text) == 0.0
    told_twice = similarity(
        "隔离在家，婴儿奶粉只够明天一顿，超市不送货。", "小区封控，孩子奶粉快没了，超市不送货"
    )
    assert 0.25 < told_twice < 1

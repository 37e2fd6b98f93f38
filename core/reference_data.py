"""Fixed reference data: the categories of DESIGN.md and the divisions of the demo city.

Loaded by data migrations, so a new database has them before anyone files a request.
Division codes follow GB/T 2260 where one exists; streets append a three-digit number.
"""

from __future__ import annotations

from typing import Any

CATEGORIES: list[tuple[str, str, str]] = [
    ("policy", "疫情政策咨询", "Epidemic policy"),
    ("travel", "交通出行", "Travel"),
    ("health_code", "健康码转码", "Health code"),
    ("medical", "就医需求（含配药）", "Medical care and medicine"),
    ("supplies", "生活物资", "Daily supplies"),
    ("quarantine", "隔离管控", "Quarantine"),
    ("testing", "核酸检测", "Testing"),
    ("enterprise", "企业纾困", "Enterprise relief"),
    ("mental", "心理援助", "Psychological support"),
    ("report", "线索举报", "Reports and tips"),
    ("other", "其他（含表扬、建议）", "Other (praise, suggestions)"),
]

#: (code, name, streets/towns)
COUNTIES: list[tuple[str, str, list[str]]] = [
    (
        "410802",
        "解放区",
        [
            "焦南街道",
            "焦西街道",
            "焦北街道",
            "七百间街道",
            "新华街道",
            "民生街道",
            "王褚街道",
            "上白作街道",
        ],
    ),
    (
        "410803",
        "中站区",
        [
            "李封街道",
            "王封街道",
            "朱村街道",
            "冯封街道",
            "龙洞街道",
            "月山街道",
            "许衡街道",
            "府城街道",
        ],
    ),
    (
        "410804",
        "马村区",
        ["马村街道", "待王街道", "冯营街道", "九里山街道", "演马街道", "安阳城街道"],
    ),
    (
        "410811",
        "山阳区",
        [
            "定和街道",
            "中星街道",
            "百间房街道",
            "太行街道",
            "东方红街道",
            "光亚街道",
            "焦东街道",
            "艺新街道",
            "新城街道",
            "李万街道",
        ],
    ),
    ("410871", "城乡一体化示范区", ["文苑街道", "苏家作街道", "阳庙镇", "宁郭镇"]),
    (
        "410821",
        "修武县",
        ["城关镇", "七贤镇", "郇封镇", "周庄镇", "云台山镇", "王屯乡", "岸上乡", "西村乡"],
    ),
    (
        "410822",
        "博爱县",
        ["清化镇街道", "柏山镇", "月山镇", "许良镇", "磨头镇", "孝敬镇", "寨豁乡", "金城乡"],
    ),
    (
        "410823",
        "武陟县",
        [
            "木城街道",
            "龙源街道",
            "龙泉街道",
            "詹店镇",
            "西陶镇",
            "谢旗营镇",
            "大封镇",
            "乔庙镇",
            "小董乡",
        ],
    ),
    (
        "410825",
        "温县",
        ["温泉街道", "岳村街道", "张羌街道", "黄庄镇", "武德镇", "赵堡镇", "番田镇", "祥云镇"],
    ),
    (
        "410882",
        "沁阳市",
        ["覃怀街道", "怀庆街道", "太行街道", "沁园街道", "崇义镇", "西向镇", "紫陵镇", "柏香镇"],
    ),
    (
        "410883",
        "孟州市",
        ["大定街道", "会昌街道", "河雍街道", "河阳街道", "化工镇", "南庄镇", "城伯镇", "西虢镇"],
    ),
]

COUNTY_NAMES_EN = {
    "410802": "Jiefang District",
    "410803": "Zhongzhan District",
    "410804": "Macun District",
    "410811": "Shanyang District",
    "410871": "Urban-Rural Integration Demonstration Zone",
    "410821": "Xiuwu County",
    "410822": "Bo'ai County",
    "410823": "Wuzhi County",
    "410825": "Wen County",
    "410882": "Qinyang City",
    "410883": "Mengzhou City",
}


def street_code(county_code: str, index: int) -> str:
    return f"{county_code}{index + 1:03d}"


def ensure_reference_data(category_model: Any = None, division_model: Any = None) -> None:
    """Create or update the categories and divisions; safe to run any number of times.

    The models are parameters so the data migration can pass its historical models.
    """
    if category_model is None or division_model is None:
        from core.models import Category, Division

        category_model, division_model = Category, Division
    for position, (code, name, name_en) in enumerate(CATEGORIES):
        category_model.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position}
        )
    for county_code, county_name, streets in COUNTIES:
        county, _ = division_model.objects.update_or_create(
            code=county_code,
            defaults={
                "name": county_name,
                "name_en": COUNTY_NAMES_EN[county_code],
                "level": "county",
                "parent": None,
            },
        )
        for index, street in enumerate(streets):
            division_model.objects.update_or_create(
                code=street_code(county_code, index),
                defaults={"name": street, "level": "street", "parent": county},
            )

"""Load the fixed categories and the demo city's divisions."""

from django.db import migrations


def load(apps, schema_editor):
    from core.reference_data import CATEGORIES, COUNTIES, COUNTY_NAMES_EN, street_code

    Category = apps.get_model("core", "Category")
    Division = apps.get_model("core", "Division")
    for position, (code, name, name_en) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position}
        )
    for county_code, county_name, streets in COUNTIES:
        county, _ = Division.objects.update_or_create(
            code=county_code,
            defaults={"name": county_name, "name_en": COUNTY_NAMES_EN[county_code], "level": "county"},
        )
        for index, street in enumerate(streets):
            Division.objects.update_or_create(
                code=street_code(county_code, index),
                defaults={"name": street, "level": "street", "parent": county},
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

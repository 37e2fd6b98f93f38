"""Load the fixed categories and the demo city's divisions."""

from django.db import migrations


def load(apps, schema_editor):
    from core.reference_data import ensure_reference_data

    ensure_reference_data(apps.get_model("core", "Category"), apps.get_model("core", "Division"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

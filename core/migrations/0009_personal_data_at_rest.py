"""Personal data at rest: requesters' name, phone and ID number encrypted, found by keyed hash;
the personal data access log gets a reason and becomes append-only in the database too.

The existing rows are encrypted here, in batches, with raw SQL so that the migration does not
depend on the model of the day (SQLite and PostgreSQL alike). It uses the keys configured
when it runs (HUYING_PERSONAL_DATA_KEYS / HUYING_LOOKUP_KEY, or the generated ones).

The triggers: ``PersonalDataAccess`` already refuses updates and deletes in Python, but raw
SQL, a bulk ``update()`` or a hand at a database console would not pass through it. On SQLite
a later migration that rebuilds the table drops its triggers; such a migration must create
them again (``create_triggers`` below).
"""

import django.db.models.deletion
import django.utils.timezone
import lib.fieldcrypt
from django.conf import settings
from django.db import migrations, models

BATCH = 500

POSTGRES_UP = """
CREATE FUNCTION core_personaldataaccess_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'core_personaldataaccess is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER core_personaldataaccess_append_only BEFORE UPDATE OR DELETE
    ON core_personaldataaccess FOR EACH ROW EXECUTE FUNCTION core_personaldataaccess_is_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER core_personaldataaccess_append_only ON core_personaldataaccess;
DROP FUNCTION core_personaldataaccess_is_append_only();
"""
SQLITE_UP = [
    """
CREATE TRIGGER core_personaldataaccess_no_update BEFORE UPDATE ON core_personaldataaccess
BEGIN
    SELECT RAISE(ABORT, 'core_personaldataaccess is append-only: UPDATE refused');
END;
""",
    """
CREATE TRIGGER core_personaldataaccess_no_delete BEFORE DELETE ON core_personaldataaccess
BEGIN
    SELECT RAISE(ABORT, 'core_personaldataaccess is append-only: DELETE refused');
END;
""",
]
SQLITE_DOWN = [
    "DROP TRIGGER core_personaldataaccess_no_update;",
    "DROP TRIGGER core_personaldataaccess_no_delete;",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


def encrypt_requesters(apps, schema_editor):
    """Encrypt every plaintext value and fill in the lookup hashes."""
    from core.models import id_number_lookup_hash, phone_lookup_hash
    from lib.fieldcrypt import decrypt, encrypt

    connection = schema_editor.connection
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name, phone, id_number FROM core_requester WHERE id > %s "
                "ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            for pk, name, phone, id_number in rows:
                # decrypt() passes plaintext through, so a second run changes nothing.
                phone_plain, id_plain = decrypt(phone or ""), decrypt(id_number or "")
                cursor.execute(
                    "UPDATE core_requester SET name = %s, phone = %s, id_number = %s, "
                    "phone_hash = %s, id_number_hash = %s WHERE id = %s",
                    [
                        encrypt(decrypt(name or "")),
                        encrypt(phone_plain),
                        encrypt(id_plain),
                        phone_lookup_hash(phone_plain),
                        id_number_lookup_hash(id_plain),
                        pk,
                    ],
                )
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def decrypt_requesters(apps, schema_editor):
    """Back to plaintext (for going back to the previous migration)."""
    from lib.fieldcrypt import decrypt

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name, phone, id_number FROM core_requester")
        rows = cursor.fetchall()
        for pk, name, phone, id_number in rows:
            cursor.execute(
                "UPDATE core_requester SET name = %s, phone = %s, id_number = %s WHERE id = %s",
                [decrypt(name or ""), decrypt(phone or ""), decrypt(id_number or ""), pk],
            )


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_report_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PersonalDataPurge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                ('run_by', models.CharField(max_length=150, verbose_name='run by')),
                ('closed_before', models.DateField(verbose_name='closed before')),
                ('requests', models.PositiveIntegerField(verbose_name='requests')),
                ('requesters', models.PositiveIntegerField(verbose_name='requesters')),
                ('attachments', models.PositiveIntegerField(verbose_name='attachments')),
            ],
            options={
                'verbose_name': 'personal data purge',
                'verbose_name_plural': 'personal data purges',
                'ordering': ['-created_at'],
            },
        ),
        migrations.AlterModelOptions(
            name='personaldataaccess',
            options={'ordering': ['-created_at', '-id'], 'verbose_name': 'personal data access', 'verbose_name_plural': 'personal data accesses'},
        ),
        migrations.AddField(
            model_name='personaldataaccess',
            name='reason',
            field=models.TextField(blank=True, verbose_name='reason'),
        ),
        migrations.AddField(
            model_name='requester',
            name='id_number_hash',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='requester',
            name='phone_hash',
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='requester',
            name='purged_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='personaldataaccess',
            name='created_at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='time'),
        ),
        migrations.AlterField(
            model_name='personaldataaccess',
            name='help_request',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='core.helprequest', verbose_name='request'),
        ),
        migrations.AlterField(
            model_name='personaldataaccess',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AlterField(
            model_name='personaldataaccess',
            name='via',
            field=models.CharField(max_length=20, verbose_name='via'),
        ),
        migrations.AlterField(
            model_name='requester',
            name='id_number',
            field=lib.fieldcrypt.EncryptedTextField(blank=True, max_length=18, verbose_name='ID card number'),
        ),
        migrations.AlterField(
            model_name='requester',
            name='name',
            field=lib.fieldcrypt.EncryptedTextField(max_length=100, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='requester',
            name='phone',
            field=lib.fieldcrypt.EncryptedTextField(max_length=20, verbose_name='phone'),
        ),
        migrations.RunPython(encrypt_requesters, decrypt_requesters),
        migrations.RunPython(create_triggers, drop_triggers),
    ]

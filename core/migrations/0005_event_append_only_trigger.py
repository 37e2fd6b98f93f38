"""The database itself refuses to change an event once written.

``Event.save`` already refuses updates, but raw SQL, a bulk ``update()`` or a hand at the
console would not pass through it; the audit trail must not depend on everyone's manners.
Deletes are refused too on PostgreSQL. SQLite only refuses updates, because the test
runner empties its tables with DELETE between tests (PostgreSQL's uses TRUNCATE, which
row triggers do not see).
"""

from django.db import migrations

POSTGRES_UP = """
CREATE FUNCTION core_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'core_event is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER core_event_no_update BEFORE UPDATE OR DELETE ON core_event
    FOR EACH ROW EXECUTE FUNCTION core_event_is_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER core_event_no_update ON core_event;
DROP FUNCTION core_event_is_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER core_event_no_update BEFORE UPDATE ON core_event
BEGIN
    SELECT RAISE(ABORT, 'core_event is append-only: UPDATE refused');
END;
"""
SQLITE_DOWN = "DROP TRIGGER core_event_no_update;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_event_actor_protect")]
    operations = [migrations.RunPython(up, down)]

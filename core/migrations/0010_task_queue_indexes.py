"""Indexes on the task queue's table (django-tasks-db's ``DBTaskResult``) for what huying asks
of it besides claiming, which the library's own partial index already serves.

- ``finished_at``: the purge of finished tasks (``core.tasks.purge_finished_tasks``) and
  ``/readyz``'s "did a task finish lately" find their rows by it instead of reading the table.
- ``task_path`` of the tasks waiting: the periodic tasks ask "is one already queued?" every
  time they run, which otherwise reads every waiting task when work has piled up.

Plain SQL, because the table belongs to another app; both statements are the same on SQLite
and PostgreSQL, and the model's state is not changed, so the library's migrations never see
them.
"""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_personal_data_at_rest"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS core_task_finished_at ON {TABLE} (finished_at)",
            "DROP INDEX IF EXISTS core_task_finished_at",
        ),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS core_task_waiting_path ON {TABLE} (task_path) "
            "WHERE status = 'READY'",
            "DROP INDEX IF EXISTS core_task_waiting_path",
        ),
    ]

"""The shared cache table (authsvc.cache.AtomicDatabaseCache): `migrate` alone sets up an instance.

Created whatever CACHES says today, so switching REDIS_URL off later needs no extra step.
"""

from typing import Any

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from authsvc.cache import CACHE_TABLE


def create_cache_table(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # createcachetable's own table definition; it skips a table that already exists.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]

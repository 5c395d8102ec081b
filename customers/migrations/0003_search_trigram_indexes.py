"""Trigram indexes for customer search on PostgreSQL (nothing on SQLite, whose LIKE scans a demo-sized table fast).

Search asks for a part of a name, id or phone (`name__icontains`, `external_id__istartswith`, `phone__contains`:
`UPPER(name::text) LIKE UPPER('%…%')`), which no B-tree serves: at 100k customers each search read the whole
table (120 ms). A GIN index over the same expressions with pg_trgm's operator class answers LIKE and equality.
pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
"""

from django.db import migrations

INDEXES = {
    "customers_customer_name_trgm": 'UPPER("name") gin_trgm_ops',
    "customers_customer_external_id_trgm": 'UPPER("external_id") gin_trgm_ops',
    "customers_customer_phone_trgm": '"phone" gin_trgm_ops',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "customers_customer" USING gin ({expression})')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_catalogue_and_segments")]

    operations = [migrations.RunPython(create, drop)]

"""Invitation links: keep only the SHA-256 of the secret.

Existing rows are converted (hash of the stored token), so links already emailed keep working
until they expire; the readable token column is then dropped.
"""

import hashlib

from django.db import migrations, models


def hash_existing_tokens(apps, schema_editor):
    Invitation = apps.get_model("practices", "Invitation")
    for invitation in Invitation.objects.only("pk", "token").iterator():
        Invitation.objects.filter(pk=invitation.pk).update(
            token_hash=hashlib.sha256(invitation.token.encode()).hexdigest()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0002_practice_two_factor_policy"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        # Backwards: the raw tokens are gone; the reverse leaves the hashes, which are then
        # dropped with the column (open invitations must be sent again).
        migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop),
        migrations.RemoveField(model_name="invitation", name="token"),
        migrations.AlterField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]

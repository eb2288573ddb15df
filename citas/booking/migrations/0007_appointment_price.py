from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def price_from_service(apps, schema_editor):
    """Past appointments (blocked clients' too) get their service's current price: the best
    record there is."""
    Appointment = apps.get_model("booking", "Appointment")
    Service = apps.get_model("catalog", "Service")
    Appointment._base_manager.update(
        price=Subquery(Service.objects.filter(pk=OuterRef("service_id")).values("price")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0006_round_two_final_state"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="price",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=8, verbose_name="price"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(price_from_service, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(("price__gte", 0)), name="appointment_price_not_negative"
            ),
        ),
    ]

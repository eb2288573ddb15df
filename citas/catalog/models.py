from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from citas.core.models import BaseModel
from citas.practices.models import Practice, Professional

MAX_MINUTES = 720  # twelve hours: longer services or buffers are typing mistakes

validate_hex_color = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #1f6f78.")
)


class ServiceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def bookable_online(self):
        """Active services that at least one active professional offers."""
        offered = Professional.objects.filter(services=models.OuterRef("pk"), is_active=True)
        return self.active().filter(models.Exists(offered))


class Service(BaseModel):
    """Something a practice offers for booking: how long it takes and what it costs."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(MAX_MINUTES)],
    )
    price = models.DecimalField(
        _("price"), max_digits=8, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"),
        default=0,
        validators=[MaxValueValidator(MAX_MINUTES)],
        help_text=_("Time kept free before the appointment, e.g. to prepare the room."),
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"),
        default=0,
        validators=[MaxValueValidator(MAX_MINUTES)],
        help_text=_("Time kept free after the appointment, e.g. to clean up."),
    )
    color = models.CharField(
        _("colour"), max_length=7, default="#1f6f78", validators=[validate_hex_color]
    )
    is_active = models.BooleanField(_("active"), default=True)
    professionals = models.ManyToManyField(
        Professional, related_name="services", blank=True, verbose_name=_("professionals")
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=MAX_MINUTES),
                name="service_duration_range",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="service_price_not_negative"),
            models.CheckConstraint(
                condition=Q(buffer_before_minutes__lte=MAX_MINUTES)
                & Q(buffer_after_minutes__lte=MAX_MINUTES),
                name="service_buffers_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

"""Data the booking tests share: a practice that takes bookings."""

from dataclasses import dataclass
from datetime import time

from citas.booking.models import Client
from citas.catalog.models import Service
from citas.core.factories import (
    ClientFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.practices.models import Practice, Professional
from citas.scheduling.models import BookingPolicy
from citas.scheduling.selectors import policy_for


@dataclass
class Setup:
    practice: Practice
    professional: Professional
    service: Service
    client: Client


def bookable_practice(**policy) -> Setup:
    """A professional working 9–14 on weekdays, a 30-minute service, a 15-minute grid."""
    professional = ProfessionalFactory()
    practice = professional.practice
    for weekday in range(5):
        WorkingHoursFactory(
            professional=professional, weekday=weekday, start_time=time(9), end_time=time(14)
        )
    service = ServiceFactory(practice=practice, professionals=[professional])
    rules = policy_for(practice)
    for name, value in {"min_notice_minutes": 120, "slot_step_minutes": 15, **policy}.items():
        setattr(rules, name, value)
    rules.save()
    return Setup(practice, professional, service, ClientFactory(practice=practice))


def set_rules(s: Setup, **values) -> None:
    """Change the practice's saved booking rules (as its manager would on the rules page)."""
    BookingPolicy.objects.filter(practice=s.practice).update(**values)


def colleague(service: Service) -> Professional:
    """Another professional of the practice who offers `service`, working 9–14 on weekdays."""
    other = ProfessionalFactory(practice=service.practice)
    for weekday in range(5):
        WorkingHoursFactory(
            professional=other, weekday=weekday, start_time=time(9), end_time=time(14)
        )
    service.professionals.add(other)
    return other

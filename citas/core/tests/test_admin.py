import pytest
from django.contrib import admin
from django.urls import reverse

from citas.core.factories import AppointmentFactory, UserFactory, enable_two_factor

pytestmark = pytest.mark.django_db


def test_every_registered_model_has_a_working_changelist_with_search(client):
    AppointmentFactory()
    operator = UserFactory(is_staff=True, is_superuser=True)
    enable_two_factor(operator)
    client.force_login(operator)
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        params = {"q": "x"} if model_admin.search_fields else {}
        response = client.get(url, params)
        assert response.status_code == 200, url

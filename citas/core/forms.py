from django.forms.renderers import TemplatesSetting


class BootstrapFormRenderer(TemplatesSetting):
    """Every form (ours and allauth's) renders with Bootstrap markup and accessible errors."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .adapter import home_url_for
from .forms import ProfileForm
from .models import User


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


class SignupView(allauth_views.SignupView):
    """allauth's sign-up, preselecting "professional" or "client" from the landing page link."""

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("as") in User.Kind.values:
            initial["kind"] = self.request.GET["as"]
        return initial


signup = SignupView.as_view()


@login_required
def start(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_for(request.user))

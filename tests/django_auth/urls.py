from django.contrib.auth.views import LoginView, LogoutView
from django.http import JsonResponse
from django.urls import path


def whoami(request):
    user = request.user
    if user.is_authenticated:
        return JsonResponse({"user_id": user.pk, "username": user.username})
    return JsonResponse({"user_id": None, "username": None})


urlpatterns = [
    path("accounts/login/", LoginView.as_view()),
    path("accounts/logout/", LogoutView.as_view()),
    path("whoami", whoami),
]

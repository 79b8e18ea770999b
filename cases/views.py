from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "cases/home.html")


case_list = case_create = intake_queue = department_queue = home
public_complaint = home

from django.urls import path

from . import views

urlpatterns = [
    path("", views.results, name="bonus_results"),
    path("run/", views.results_run, name="bonus_run"),
    path("approve/", views.results_approve, name="bonus_approve"),
    path("correct/", views.results_correct, name="bonus_correct"),
    path("employees/", views.results_employees, name="bonus_employees"),
    path("employees/export.<str:fmt>", views.results_payroll_export, name="bonus_payroll_export"),
    path("rules/", views.rules, name="bonus_rules"),
    path("rules/new/", views.rules_new, name="bonus_rules_new"),
    path("promotion/", views.promotion, name="bonus_promotion"),
    path("promotion/export.<str:fmt>", views.promotion_export, name="bonus_promotion_export"),
    path("training/", views.training, name="bonus_training"),
    path("training/plans/", views.training_plan_create, name="bonus_training_plan"),
    path("training/plans/<int:pk>/complete/", views.training_plan_complete, name="bonus_training_complete"),
]

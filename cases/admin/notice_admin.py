"""Admin of the notice templates (SPEC §10): edited here, each change in the history, with a
preview for a sample case as text and as the PDF the customer receives."""
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from ..models import NoticeTemplate
from ..notices.pdf import notice_pdf
from ..notices.placeholders import PLACEHOLDERS, unknown_placeholders
from ..services.notices import template_preview


class NoticeTemplateForm(forms.ModelForm):
    class Meta:
        model = NoticeTemplate
        fields = ["kind", "language", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14, "cols": 90})}
        help_texts = {"body": gettext_lazy("Placeholders: %(names)s") % {
            "names": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)}}

    def clean(self):
        cleaned = super().clean()
        for name in ("title", "body"):
            unknown = unknown_placeholders(cleaned.get(name))
            if unknown:
                self.add_error(name, _("Unknown placeholders: %(names)s") % {"names": ", ".join(unknown)})
        return cleaned


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(SimpleHistoryAdmin):
    form = NoticeTemplateForm
    list_display = ["kind", "language", "title", "updated_at"]
    list_filter = ["kind", "language"]
    change_form_template = "admin/cases/noticetemplate/change_form.html"

    def get_urls(self):
        own = [
            path("<int:pk>/preview/", self.admin_site.admin_view(self.preview), name="cases_noticetemplate_preview"),
            path("<int:pk>/preview.pdf", self.admin_site.admin_view(self.preview_pdf),
                 name="cases_noticetemplate_preview_pdf"),
        ]
        return own + super().get_urls()

    def _sample(self, request, pk):
        template = get_object_or_404(NoticeTemplate, pk=pk)
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        return template, template_preview(template.title, template.body)

    def preview(self, request, pk):
        template, (title, body) = self._sample(request, pk)
        return TemplateResponse(request, "admin/cases/noticetemplate/preview.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": template,
            "title": _("Preview: %(template)s") % {"template": template}, "notice_title": title, "notice_body": body,
        })

    def preview_pdf(self, request, pk):
        template, (title, body) = self._sample(request, pk)
        response = HttpResponse(notice_pdf(title, body, "TS-2026-000123"), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="preview-{template.kind}-{template.language}.pdf"'
        return response

from django import forms
from django.contrib import admin, messages

from . import services
from .models import CiBuild, CiServer


class CiServerForm(forms.ModelForm):
    # Write-only: the stored token is never rendered back; an empty field keeps it.
    token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave empty to keep the stored token; tick 'clear token' to remove it.",
    )
    clear_token = forms.BooleanField(required=False)

    class Meta:
        model = CiServer
        fields = ["project", "provider", "url", "ci_project", "timeout_seconds", "enabled"]


@admin.register(CiServer)
class CiServerAdmin(admin.ModelAdmin):
    form = CiServerForm
    list_display = ["project", "provider", "url", "ci_project", "has_token", "enabled"]
    list_filter = ["provider", "enabled"]
    search_fields = ["project__path", "url"]

    @admin.display(boolean=True)
    def has_token(self, obj):
        return obj.has_token

    def save_model(self, request, obj, form, change):
        token = form.cleaned_data.get("token") or None
        if form.cleaned_data.get("clear_token"):
            token = ""
        services.ci_server_set(
            project=obj.project,
            url=obj.url,
            provider=obj.provider,
            token=token,
            ci_project=obj.ci_project,
            timeout_seconds=obj.timeout_seconds,
            enabled=obj.enabled,
        )
        obj.pk = CiServer.objects.get(project=obj.project).pk


@admin.register(CiBuild)
class CiBuildAdmin(admin.ModelAdmin):
    list_display = [
        "candidate",
        "project",
        "provider",
        "job_id",
        "pipeline_id",
        "enrichment_status",
        "enrichment_attempts",
        "updated_at",
    ]
    list_filter = ["enrichment_status", "provider"]
    search_fields = ["project__path", "job_name", "pipeline_ref", "user_username"]
    list_select_related = ["candidate", "project"]
    raw_id_fields = ["candidate", "project"]
    actions = ["retry_enrichment"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in CiBuild._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry enrichment")
    def retry_enrichment(self, request, queryset):
        enqueued = services.ci_build_retry(build_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{enqueued} CI record(s) enqueued.", messages.SUCCESS)

from django.contrib import admin

from .models import Candidate, CandidateMetadata, CandidateParam


class CandidateParamInline(admin.TabularInline):
    model = CandidateParam
    extra = 0


class CandidateMetadataInline(admin.TabularInline):
    model = CandidateMetadata
    extra = 0


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    """Metric histories can be huge, so they are not inlined; pages and the API show them."""

    # `user` is the account that created it; `user_name` only what the client reported (MLflow's user_id).
    list_display = ["name", "experiment", "iid", "status", "lifecycle", "start_time", "user", "user_name"]
    list_filter = ["status", "lifecycle"]
    search_fields = ["name", "eid", "experiment__name", "project__path"]
    list_select_related = ["experiment", "user"]
    raw_id_fields = ["experiment", "project", "user"]
    readonly_fields = ["eid"]
    inlines = [CandidateParamInline, CandidateMetadataInline]

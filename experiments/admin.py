from django.contrib import admin

from .models import Experiment, ExperimentMetadata


class ExperimentMetadataInline(admin.TabularInline):
    model = ExperimentMetadata
    extra = 0


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "iid", "lifecycle", "created_at", "updated_at"]
    list_filter = ["lifecycle"]
    search_fields = ["name", "project__path"]
    list_select_related = ["project"]
    raw_id_fields = ["project", "user"]
    inlines = [ExperimentMetadataInline]

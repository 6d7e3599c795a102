from django.contrib import admin

from .models import Trace, TraceMetadata, TraceTag


class TraceTagInline(admin.TabularInline):
    model = TraceTag
    extra = 0


class TraceMetadataInline(admin.TabularInline):
    model = TraceMetadata
    extra = 0


@admin.register(Trace)
class TraceAdmin(admin.ModelAdmin):
    list_display = ["trace_id", "project", "experiment", "state", "request_time"]
    list_filter = ["state"]
    search_fields = ["trace_id", "project__path"]
    list_select_related = ["project", "experiment"]
    raw_id_fields = ["project", "experiment", "package"]
    inlines = [TraceTagInline, TraceMetadataInline]

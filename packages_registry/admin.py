from django.contrib import admin

from .models import LoggedModel, Package, PackageFile


class PackageFileInline(admin.TabularInline):
    model = PackageFile
    extra = 0
    fields = ["path", "size", "content_type", "sha256", "ingestion_status", "ingestion_error"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "package_type", "project", "status", "created_at"]
    list_filter = ["package_type", "status"]
    search_fields = ["name", "version", "project__path"]
    inlines = [PackageFileInline]


@admin.register(PackageFile)
class PackageFileAdmin(admin.ModelAdmin):
    list_display = ["path", "package", "size", "content_type", "ingestion_status", "updated_at"]
    list_filter = ["ingestion_status"]
    search_fields = ["path", "package__name", "sha256"]
    exclude = ["thumbnail"]
    readonly_fields = ["storage_key", "sha256", "md5", "size", "ingested_at"]


@admin.register(LoggedModel)
class LoggedModelAdmin(admin.ModelAdmin):
    list_display = ["name", "model_id", "experiment", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "experiment__name"]
    readonly_fields = ["eid", "package"]

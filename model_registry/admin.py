from django.contrib import admin

from .models import Model, ModelAlias, ModelMetadata, ModelVersion, ModelVersionMetadata


class ModelMetadataInline(admin.TabularInline):
    model = ModelMetadata
    extra = 0


class ModelAliasInline(admin.TabularInline):
    model = ModelAlias
    extra = 0
    raw_id_fields = ["version"]


@admin.register(Model)
class ModelAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "last_version", "updated_at"]
    list_select_related = ["project"]
    search_fields = ["name", "project__path"]
    raw_id_fields = ["project", "experiment", "user"]
    inlines = [ModelMetadataInline, ModelAliasInline]


class ModelVersionMetadataInline(admin.TabularInline):
    model = ModelVersionMetadata
    extra = 0


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["model", "version", "semver", "stage", "status", "candidate_eid_hex", "created_at"]
    list_select_related = ["model"]
    search_fields = ["model__name", "candidate_eid_hex", "semver"]
    raw_id_fields = ["model", "candidate", "package", "user"]
    inlines = [ModelVersionMetadataInline]

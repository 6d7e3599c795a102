from django.contrib import admin, messages
from django.utils import timezone

from .models import AccessToken, Membership, Project
from .services import access_token_create, access_token_revoke


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["path", "name", "created_at"]
    search_fields = ["path", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["project__path", "user__username"]


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "project", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["scopes"]
    search_fields = ["name", "prefix", "user__username", "project__path"]
    readonly_fields = ["prefix", "last_used_at", "revoked_at", "created_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, secret = access_token_create(
            user=obj.user, name=obj.name, scopes=obj.scopes, project=obj.project, expires_at=obj.expires_at
        )
        obj.pk = token.pk
        obj.digest = token.digest
        obj.prefix = token.prefix
        # Shown once; only the digest is stored.
        messages.warning(request, f"Copy the token now, it will not be shown again: {secret}")

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            access_token_revoke(token=token)
        self.message_user(request, f"Revoked at {timezone.now():%Y-%m-%d %H:%M} UTC.")

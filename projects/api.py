"""Project access tokens API, GitLab's shape: /api/v4/projects/<project>/access_tokens[/<token_id>].

Maintainers and owners list, create and revoke them; nobody mints a token above their own role, and a project
access token cannot mint another. The secret is in the POST answer only.
"""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from .auth import Forbidden
from .models import Role, TokenScope
from .rest import (
    PAGING_PARAMETERS,
    PROJECT_PARAMETER,
    GitLabApiView,
    error_responses,
    paginate,
)
from .selectors import access_token_is_active, project_access_token_get, project_access_token_list
from .services import access_token_revoke, project_access_token_create

READ = (False, Role.MAINTAINER)
WRITE = (True, Role.MAINTAINER)


class AccessTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    scopes = serializers.SerializerMethodField()
    access_level = serializers.ChoiceField(choices=Role.choices, allow_null=True)
    expires_at = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()
    user_id = serializers.IntegerField()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=TokenScope.values)))
    def get_scopes(self, token) -> list[str]:
        return [token.scopes]

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_expires_at(self, token) -> str | None:
        # GitLab's expires_at is a date: the token stops working at midnight UTC starting that day.
        return token.expires_at.date().isoformat() if token.expires_at else None

    def get_revoked(self, token) -> bool:
        return token.revoked_at is not None

    def get_active(self, token) -> bool:
        return access_token_is_active(token)


class AccessTokenCreatedSerializer(AccessTokenSerializer):
    token = serializers.SerializerMethodField()

    def get_token(self, token) -> str:
        return self.context["secret"]


class AccessTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=TokenScope.values), min_length=1)
    access_level = serializers.ChoiceField(choices=Role.choices, default=Role.MAINTAINER)
    expires_at = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="YYYY-MM-DD; defaults to ASSAY_ACCESS_TOKEN_DEFAULT_DAYS from today, at most "
        "ASSAY_ACCESS_TOKEN_MAX_DAYS away",
    )


_TOKEN_ID = OpenApiParameter("token_id", int, OpenApiParameter.PATH)


class AccessTokenList(GitLabApiView):
    """The project's access tokens."""

    http_method_names = ["get", "post"]
    access = {"GET": READ, "POST": WRITE}

    @extend_schema(
        operation_id="project_access_token_list",
        summary="List the project's access tokens, newest first. Needs the maintainer role.",
        parameters=[
            PROJECT_PARAMETER,
            *PAGING_PARAMETERS,
            OpenApiParameter("state", str, enum=["active", "inactive"], description="both when absent"),
        ],
        responses={200: AccessTokenSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, project_ref: str):
        tokens = project_access_token_list(
            project=self.api_context.project, state=request.query_params.get("state", "")
        )
        return paginate(request, tokens, lambda items: AccessTokenSerializer(items, many=True).data)

    @extend_schema(
        operation_id="project_access_token_create",
        summary="Create a project access token (a bot member with `access_level`). Needs the maintainer role; "
        "the level cannot be above your own. The secret is in this answer only.",
        parameters=[PROJECT_PARAMETER],
        request=AccessTokenCreateSerializer,
        responses={201: AccessTokenCreatedSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, project_ref: str):
        context = self.api_context
        if context.token is not None and context.token.project_id is not None:
            raise Forbidden("403 Forbidden: a project access token cannot create access tokens")
        data = AccessTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = project_access_token_create(
            project=context.project,
            creator_role=context.role,
            name=data.validated_data["name"],
            scopes=data.validated_data["scopes"],
            access_level=data.validated_data["access_level"],
            expires_on=data.validated_data.get("expires_at"),
        )
        token = project_access_token_get(project=context.project, token_id=token.pk)
        body = AccessTokenCreatedSerializer(token, context={"secret": secret}).data
        return Response(body, status=201)


class AccessTokenDetail(GitLabApiView):
    """One project access token (token_id: digits, up to 18)."""

    http_method_names = ["get", "delete"]
    access = {"GET": READ, "DELETE": WRITE}

    @extend_schema(
        operation_id="project_access_token_get",
        summary="One project access token. Needs the maintainer role.",
        parameters=[PROJECT_PARAMETER, _TOKEN_ID],
        responses={200: AccessTokenSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, project_ref: str, token_id: str):
        token = project_access_token_get(project=self.api_context.project, token_id=int(token_id))
        return Response(AccessTokenSerializer(token).data)

    @extend_schema(
        operation_id="project_access_token_revoke",
        summary="Revoke a project access token. Needs the maintainer role.",
        parameters=[PROJECT_PARAMETER, _TOKEN_ID],
        responses={204: OpenApiResponse(description="revoked"), **error_responses(401, 403, 404)},
    )
    def delete(self, request, project_ref: str, token_id: str):
        token = project_access_token_get(project=self.api_context.project, token_id=int(token_id))
        access_token_revoke(token=token)
        return HttpResponse(status=204)


access_token_list = AccessTokenList.as_view()
access_token_detail = AccessTokenDetail.as_view()

"""Personal access tokens API, GitLab's shape, for the caller's own tokens:

    GET    /api/v4/personal_access_tokens            the caller's personal tokens (?state=active|inactive)
    GET    /api/v4/personal_access_tokens/self       the token making the call
    GET    /api/v4/personal_access_tokens/:id        one of the caller's tokens
    DELETE /api/v4/personal_access_tokens/:id|self   revoke it
    POST   /api/v4/user/personal_access_tokens       create one for the caller (name, scopes, expires_at)

Authenticated by a token (any active one; a project access token sees and revokes only itself through `self`)
or, to read, a signed-in session. Writes need a token with the `api` scope, as everywhere: the APIs are
CSRF-exempt, so a session cookie never writes. A project access token cannot create tokens.
"""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import AccessTokenSerializer
from .auth import Forbidden
from .models import AccessToken, TokenScope
from .rest import (
    PAGING_PARAMETERS,
    JsonOnly,
    ProjectTokenAuthentication,
    error_responses,
    gitlab_exception_handler,
    paginate,
)
from .selectors import personal_access_token_get, personal_access_token_list
from .services import access_token_revoke, personal_access_token_create


class PersonalAccessTokenSerializer(AccessTokenSerializer):
    access_level = None  # GitLab's personal token has no level: it acts with its user's role in each project


class PersonalAccessTokenCreatedSerializer(PersonalAccessTokenSerializer):
    token = serializers.SerializerMethodField()

    def get_token(self, token) -> str:
        return self.context["secret"]


class PersonalAccessTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=TokenScope.values), min_length=1)
    expires_at = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="YYYY-MM-DD; defaults to ASSAY_ACCESS_TOKEN_DEFAULT_DAYS from today, at most "
        "ASSAY_ACCESS_TOKEN_MAX_DAYS away",
    )


class TokenWrites(BasePermission):
    def has_permission(self, request, view) -> bool:
        token: AccessToken | None = request.auth
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if token is not None and not token.can_write:
                raise Forbidden("403 Forbidden: this token has the read_api scope only")
        return True


class _UserApiView(APIView):
    authentication_classes = [ProjectTokenAuthentication]  # user-level here: no project_ref
    permission_classes = [TokenWrites]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly
    metadata_class = None

    @property
    def default_response_headers(self) -> dict:
        return {}

    def get_exception_handler(self):
        return gitlab_exception_handler

    def _token(self, token_id: str) -> AccessToken:
        """`self` is the calling token (a project access token may reach only itself); a number is one of the
        caller's personal tokens."""
        caller: AccessToken | None = self.request.auth
        if token_id == "self":
            if caller is None:
                raise Forbidden("403 Forbidden: `self` needs a token")
            return caller
        return personal_access_token_get(user=self.request.user, token_id=int(token_id))


_TOKEN_ID = OpenApiParameter("token_id", str, OpenApiParameter.PATH, description="a token id, or `self`")


class PersonalAccessTokenList(_UserApiView):
    http_method_names = ["get"]

    @extend_schema(
        operation_id="personal_access_token_list",
        summary="List your personal access tokens, newest first.",
        parameters=[
            *PAGING_PARAMETERS,
            OpenApiParameter("state", str, enum=["active", "inactive"], description="both when absent"),
        ],
        responses={200: PersonalAccessTokenSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        tokens = personal_access_token_list(user=request.user, state=request.query_params.get("state", ""))
        return paginate(request, tokens, lambda items: PersonalAccessTokenSerializer(items, many=True).data)


class PersonalAccessTokenDetail(_UserApiView):
    http_method_names = ["get", "delete"]

    @extend_schema(
        operation_id="personal_access_token_get",
        summary="One of your personal access tokens, or `self`: the token making the call.",
        parameters=[_TOKEN_ID],
        responses={200: PersonalAccessTokenSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, token_id: str):
        return Response(PersonalAccessTokenSerializer(self._token(token_id)).data)

    @extend_schema(
        operation_id="personal_access_token_revoke",
        summary="Revoke one of your personal access tokens, or `self`. Needs a token with the api scope.",
        parameters=[_TOKEN_ID],
        responses={204: OpenApiResponse(description="revoked"), **error_responses(401, 403, 404)},
    )
    def delete(self, request, token_id: str):
        access_token_revoke(token=self._token(token_id))
        return HttpResponse(status=204)


class PersonalAccessTokenCreate(_UserApiView):
    http_method_names = ["post"]

    @extend_schema(
        operation_id="personal_access_token_create",
        summary="Create a personal access token for yourself. Needs a personal token with the api scope; the "
        "secret is in this answer only.",
        request=PersonalAccessTokenCreateSerializer,
        responses={201: PersonalAccessTokenCreatedSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        if request.auth is not None and request.auth.project_id is not None:
            raise Forbidden("403 Forbidden: a project access token cannot create access tokens")
        data = PersonalAccessTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = personal_access_token_create(
            user=request.user,
            name=data.validated_data["name"],
            scopes=data.validated_data["scopes"],
            expires_on=data.validated_data.get("expires_at"),
        )
        body = PersonalAccessTokenCreatedSerializer(token, context={"secret": secret}).data
        return Response(body, status=201)


personal_access_token_list_view = PersonalAccessTokenList.as_view()
personal_access_token_detail_view = PersonalAccessTokenDetail.as_view()
personal_access_token_create_view = PersonalAccessTokenCreate.as_view()

"""GitLab-compatible generic packages API under /api/v4/projects/<project>/packages/ (Django REST framework).

Errors are GitLab's JSON: {"message": "..."} with 400/401/403/404/405/413. Views parse, call one service or
selector, and render; authentication and roles are `projects.rest.GitLabApiView`'s. Uploads are never parsed by
DRF: the service reads the Django request's body stream in chunks, straight to storage.
"""

from django.http import HttpResponse, JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from projects import errors as domain
from projects.models import Role
from projects.rest import (
    PAGING_PARAMETERS,
    PROJECT_PARAMETER,
    GitLabApiView,
    error_response,
    error_responses,
    gitlab_exception_handler,
    paginate,
)

from . import selectors, services
from .models import IngestionStatus, PackageStatus, PackageType
from .responses import file_response
from .services import FileTooLargeError, LengthRequiredError

READ = (False, Role.REPORTER)
UPLOAD = (True, Role.DEVELOPER)
DELETE = (True, Role.MAINTAINER)


class PackageLinksSerializer(serializers.Serializer):
    web_path = serializers.CharField()


def bad_request_response(message: str) -> JsonResponse:
    """GitLab's 400 for requests refused before a view (config.errors.bad_request), outside DRF."""
    return JsonResponse({"message": f"400 Bad request - {message}"}, status=400)


class PackageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    version = serializers.CharField()
    package_type = serializers.ChoiceField(choices=PackageType.choices)
    status = serializers.ChoiceField(choices=PackageStatus.choices)
    created_at = serializers.DateTimeField()
    file_count = serializers.SerializerMethodField()
    size = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_file_count(self, package) -> int | None:
        return getattr(package, "file_count", None)

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_size(self, package) -> int:
        return getattr(package, "total_size", None) or 0

    @extend_schema_field(PackageLinksSerializer)
    def get__links(self, package) -> dict:
        return {"web_path": selectors.package_url(package=package)}


class PackageFileSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    package_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    file_name = serializers.CharField()
    path = serializers.CharField()
    size = serializers.IntegerField(min_value=0)
    content_type = serializers.CharField()
    file_md5 = serializers.SerializerMethodField()
    file_sha256 = serializers.SerializerMethodField()
    ingestion_status = serializers.ChoiceField(choices=IngestionStatus.choices)
    ingestion_error = serializers.SerializerMethodField()

    @extend_schema_field(serializers.RegexField(r"^[0-9a-f]{32}$", allow_null=True))
    def get_file_md5(self, package_file) -> str | None:
        return package_file.md5 or None

    @extend_schema_field(serializers.RegexField(r"^[0-9a-f]{64}$", allow_null=True))
    def get_file_sha256(self, package_file) -> str | None:
        return package_file.sha256 or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_ingestion_error(self, package_file) -> str | None:
        return package_file.ingestion_error or None


class UploadResultSerializer(serializers.Serializer):
    message = serializers.ChoiceField(choices=["201 Created"])
    package_id = serializers.IntegerField()
    package_file = PackageFileSerializer()


def _packages_exception_handler(exc, context):
    if isinstance(exc, FileTooLargeError):
        return error_response(f"413 Request Entity Too Large: {exc.message}", 413)
    if isinstance(exc, LengthRequiredError):
        return error_response(f"411 {exc.message}", 411)
    return gitlab_exception_handler(exc, context)


class PackagesApiView(GitLabApiView):
    """A generic packages API endpoint."""

    def get_exception_handler(self):
        return _packages_exception_handler


_NAME = {"type": "string", "pattern": r"^[A-Za-z0-9_.+\-]+$"}
_FILE_PARAMETERS = [
    PROJECT_PARAMETER,
    OpenApiParameter("package_name", _NAME, OpenApiParameter.PATH),
    OpenApiParameter("package_version", _NAME, OpenApiParameter.PATH),
    OpenApiParameter(
        "file_path", str, OpenApiParameter.PATH, description="may contain '/'; no '..', '\\\\' or NUL"
    ),
]


class GenericFile(PackagesApiView):
    """PUT streams the body into the package (creating it); GET/HEAD stream the file back (Range supported)."""

    http_method_names = ["put", "get", "head"]
    access = {"PUT": UPLOAD, "GET": READ, "HEAD": READ}
    parser_classes = []  # the body is streamed by the service, never parsed or buffered by DRF

    @extend_schema(
        operation_id="generic_file_upload",
        summary="Upload a file (streamed; replaces a file at the same path). Needs the developer role.",
        parameters=_FILE_PARAMETERS,
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={201: UploadResultSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    def put(self, request, project_ref: str, package_name: str, package_version: str, file_path: str):
        django_request = request._request
        package = services.package_get_or_create(
            project=self.api_context.project,
            name=package_name,
            version=package_version,
            package_type=PackageType.GENERIC,
        )
        length = django_request.META.get("CONTENT_LENGTH")
        package_file = services.package_file_upload(
            package=package,
            path=file_path,
            stream=django_request,
            content_length=int(length) if length and length.isdigit() else None,
            content_type=django_request.content_type,
        )
        result = {"message": "201 Created", "package_id": package.pk, "package_file": package_file}
        return Response(UploadResultSerializer(result).data, status=201)

    @extend_schema(
        operation_id="generic_file_download",
        summary="Download a file. Supports a single HTTP Range (206 / 416).",
        parameters=[
            *_FILE_PARAMETERS,
            OpenApiParameter("Range", str, OpenApiParameter.HEADER, description="e.g. bytes=0-1023"),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="the file"),
            (206, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="a byte range"
            ),
            416: OpenApiResponse(description="range not satisfiable"),
            **error_responses(400, 401, 404),
        },
    )
    def get(self, request, project_ref: str, package_name: str, package_version: str, file_path: str):
        project = self.api_context.project
        package = selectors.package_find(
            project=project, name=package_name, version=package_version, package_type=PackageType.GENERIC
        )
        package_file = selectors.package_file_get(package=package, path=file_path) if package else None
        if package_file is None:
            raise domain.NotFoundError("404 Package File Not Found" if package else "404 Package Not Found")
        return file_response(request._request, package_file)


class PackageList(PackagesApiView):
    """The project's packages."""

    http_method_names = ["get"]
    access = {"GET": READ}

    @extend_schema(
        operation_id="package_list",
        summary="List packages, newest first.",
        parameters=[
            PROJECT_PARAMETER,
            *PAGING_PARAMETERS,
            OpenApiParameter("package_name", str, description="substring match"),
            OpenApiParameter("package_type", str, enum=PackageType.values),
        ],
        responses={200: PackageSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, project_ref: str):
        package_type = request.query_params.get("package_type", "")
        if package_type and package_type not in PackageType.values:
            raise domain.InvalidValueError(f"package_type does not have a valid value: {package_type}")
        packages = selectors.package_list(
            project=self.api_context.project,
            name=request.query_params.get("package_name", ""),
            package_type=package_type,
        )
        return paginate(request, packages, lambda items: PackageSerializer(items, many=True).data)


_PACKAGE_ID = OpenApiParameter("package_id", int, OpenApiParameter.PATH)


class PackageDetail(PackagesApiView):
    """One package."""

    http_method_names = ["get", "delete"]
    access = {"GET": READ, "DELETE": DELETE}

    @extend_schema(
        operation_id="package_get",
        summary="One package.",
        parameters=[PROJECT_PARAMETER, _PACKAGE_ID],
        responses={200: PackageSerializer, **error_responses(401, 404)},
    )
    def get(self, request, project_ref: str, package_id: int):
        project = self.api_context.project
        package = selectors.package_get_for_project(project=project, package_id=package_id)
        package = selectors.package_list(project=project).get(pk=package.pk)
        return Response(PackageSerializer(package).data)

    @extend_schema(
        operation_id="package_delete",
        summary="Delete a package and its files. Needs the maintainer role.",
        parameters=[PROJECT_PARAMETER, _PACKAGE_ID],
        responses={204: OpenApiResponse(description="deleted"), **error_responses(401, 403, 404)},
    )
    def delete(self, request, project_ref: str, package_id: int):
        package = selectors.package_get_for_project(project=self.api_context.project, package_id=package_id)
        services.package_delete(package=package)
        return HttpResponse(status=204)


class PackageFileList(PackagesApiView):
    """A package's files."""

    http_method_names = ["get"]
    access = {"GET": READ}

    @extend_schema(
        operation_id="package_file_list",
        summary="List a package's files in path order.",
        parameters=[PROJECT_PARAMETER, _PACKAGE_ID, *PAGING_PARAMETERS],
        responses={200: PackageFileSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, project_ref: str, package_id: int):
        package = selectors.package_get_for_project(project=self.api_context.project, package_id=package_id)
        files = selectors.package_files(package=package)
        return paginate(request, files, lambda items: PackageFileSerializer(items, many=True).data)


class PackageFileDetail(PackagesApiView):
    """One file of a package."""

    http_method_names = ["delete"]
    access = {"DELETE": DELETE}

    @extend_schema(
        operation_id="package_file_delete",
        summary="Delete one file. Needs the maintainer role.",
        parameters=[
            PROJECT_PARAMETER,
            _PACKAGE_ID,
            OpenApiParameter("file_id", int, OpenApiParameter.PATH),
        ],
        responses={204: OpenApiResponse(description="deleted"), **error_responses(401, 403, 404)},
    )
    def delete(self, request, project_ref: str, package_id: int, file_id: int):
        package = selectors.package_get_for_project(project=self.api_context.project, package_id=package_id)
        package_file = selectors.package_files(package=package).filter(pk=file_id).first()
        if package_file is None:
            raise domain.NotFoundError("404 Package File Not Found")
        services.package_file_delete(package_file=package_file)
        return HttpResponse(status=204)


generic_file = GenericFile.as_view()
package_list = PackageList.as_view()
package_list_slash = PackageList.as_view(schema=None)  # `.../packages/` answers too; documented once
package_detail = PackageDetail.as_view()
package_file_list = PackageFileList.as_view()
package_file_delete = PackageFileDetail.as_view()

"""The OpenAPI 3.1 description of Assay's own APIs (the generic packages API), served at /api/v4/openapi.json.

Hand-written so it stays small and exact; tests validate real responses against its component schemas.
"""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

_ERROR = {"$ref": "#/components/schemas/Error"}
_PROJECT = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "project id or URL-encoded path",
    "schema": {"type": "string"},
}
_PACKAGE_ID = {"name": "package_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    },
]


def _errors(*codes: int) -> dict:
    return {
        str(c): {"description": "error", "content": {"application/json": {"schema": _ERROR}}} for c in codes
    }


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMA = {
    "openapi": "3.1.0",
    "info": {
        "title": "Assay API",
        "version": "1",
        "description": "GitLab-compatible generic packages API. Authenticate with `Authorization: Bearer <token>` "
        "or `PRIVATE-TOKEN: <token>`. The MLflow REST API (under /api/v4/projects/{id}/ml/mlflow/) follows "
        "MLflow's own specification and is not described here.",
    },
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "privateToken": {"type": "apiKey", "in": "header", "name": "PRIVATE-TOKEN"},
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["message"],
                "properties": {"message": {"type": "string"}},
            },
            "Package": {
                "type": "object",
                "required": [
                    "id",
                    "name",
                    "version",
                    "package_type",
                    "status",
                    "created_at",
                    "size",
                    "_links",
                ],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "package_type": {"enum": ["generic", "ml_model"]},
                    "status": {"enum": ["default", "hidden", "pending_destruction"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "file_count": {"type": ["integer", "null"]},
                    "size": {"type": "integer"},
                    "_links": {
                        "type": "object",
                        "required": ["web_path"],
                        "properties": {"web_path": {"type": "string"}},
                    },
                },
                "additionalProperties": False,
            },
            "PackageFile": {
                "type": "object",
                "required": [
                    "id",
                    "package_id",
                    "created_at",
                    "file_name",
                    "path",
                    "size",
                    "ingestion_status",
                ],
                "properties": {
                    "id": {"type": "integer"},
                    "package_id": {"type": "integer"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "file_name": {"type": "string"},
                    "path": {"type": "string"},
                    "size": {"type": "integer", "minimum": 0},
                    "content_type": {"type": "string"},
                    "file_md5": {"type": ["string", "null"], "pattern": "^[0-9a-f]{32}$"},
                    "file_sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
                    "ingestion_status": {"enum": ["pending", "ready", "failed"]},
                    "ingestion_error": {"type": ["string", "null"]},
                },
                "additionalProperties": False,
            },
            "UploadResult": {
                "type": "object",
                "required": ["message", "package_id", "package_file"],
                "properties": {
                    "message": {"const": "201 Created"},
                    "package_id": {"type": "integer"},
                    "package_file": {"$ref": "#/components/schemas/PackageFile"},
                },
            },
        },
    },
    "security": [{"bearer": []}, {"privateToken": []}],
    "paths": {
        "/api/v4/projects/{id}/packages/generic/{package_name}/{package_version}/{file_path}": {
            "parameters": [
                _PROJECT,
                {
                    "name": "package_name",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_.+\-]+$"},
                },
                {
                    "name": "package_version",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_.+\-]+$"},
                },
                {
                    "name": "file_path",
                    "in": "path",
                    "required": True,
                    "description": "may contain '/'; no '..', '\\\\' or NUL",
                    "schema": {"type": "string"},
                },
            ],
            "put": {
                "summary": "Upload a file (streamed; replaces a file at the same path). Needs the developer role.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                    },
                },
                "responses": {
                    "201": _json({"$ref": "#/components/schemas/UploadResult"}, "Created"),
                    **_errors(400, 401, 403, 404, 413),
                },
            },
            "get": {
                "summary": "Download a file. Supports a single HTTP Range (206 / 416).",
                "parameters": [
                    {"name": "Range", "in": "header", "schema": {"type": "string", "example": "bytes=0-1023"}}
                ],
                "responses": {
                    "200": {
                        "description": "the file",
                        "content": {
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    "206": {"description": "a byte range of the file"},
                    "416": {"description": "range not satisfiable"},
                    **_errors(401, 404),
                },
            },
        },
        "/api/v4/projects/{id}/packages": {
            "get": {
                "summary": "List packages, newest first.",
                "parameters": [
                    _PROJECT,
                    *_PAGING,
                    {
                        "name": "package_name",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "substring match",
                    },
                    {"name": "package_type", "in": "query", "schema": {"enum": ["generic", "ml_model"]}},
                ],
                "responses": {
                    "200": _json({"type": "array", "items": {"$ref": "#/components/schemas/Package"}}),
                    **_errors(400, 401, 404),
                },
            }
        },
        "/api/v4/projects/{id}/packages/{package_id}": {
            "parameters": [_PROJECT, _PACKAGE_ID],
            "get": {
                "summary": "One package.",
                "responses": {"200": _json({"$ref": "#/components/schemas/Package"}), **_errors(401, 404)},
            },
            "delete": {
                "summary": "Delete a package and its files. Needs the maintainer role.",
                "responses": {"204": {"description": "deleted"}, **_errors(401, 403, 404)},
            },
        },
        "/api/v4/projects/{id}/packages/{package_id}/package_files": {
            "get": {
                "summary": "List a package's files in path order.",
                "parameters": [_PROJECT, _PACKAGE_ID, *_PAGING],
                "responses": {
                    "200": _json({"type": "array", "items": {"$ref": "#/components/schemas/PackageFile"}}),
                    **_errors(401, 404),
                },
            }
        },
        "/api/v4/projects/{id}/packages/{package_id}/package_files/{package_file_id}": {
            "delete": {
                "summary": "Delete one file. Needs the maintainer role.",
                "parameters": [
                    _PROJECT,
                    _PACKAGE_ID,
                    {
                        "name": "package_file_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                ],
                "responses": {"204": {"description": "deleted"}, **_errors(401, 403, 404)},
            }
        },
    },
}


@require_GET
def openapi_schema(request):
    return JsonResponse(SCHEMA)

"""Package registry pages: package list, package page (file tree, previews), file download and thumbnail."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from projects.decorators import project_page

from . import selectors
from .models import PackageType
from .responses import file_response, inline_display

PACKAGES_PER_PAGE = 20
FILES_PER_PAGE = 100


def _package(request, package_id: int):
    package = selectors.package_list(project=request.project).filter(pk=package_id).first()
    if package is None:
        raise Http404("Package not found")
    return package


@require_GET
@project_page()
def package_list(request, project_path):
    name = request.GET.get("q", "").strip()[:200]
    package_type = request.GET.get("type", "")
    if package_type not in PackageType.values:
        package_type = ""
    packages = selectors.package_list(project=request.project, name=name, package_type=package_type)
    page_obj = Paginator(packages, PACKAGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "packages_registry/package_list.html",
        {
            "nav": "packages",
            "project": request.project,
            "page_obj": page_obj,
            "search": name,
            "package_type": package_type,
            "package_types": PackageType.choices,
        },
    )


@require_GET
@project_page()
def package_detail(request, project_path, package_id: int):
    package = _package(request, package_id)
    files = selectors.package_files_for_page(package=package)
    page_obj = Paginator(files, FILES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "packages_registry/package_detail.html",
        {
            "nav": "packages",
            "project": request.project,
            "package": package,
            "page_obj": page_obj,
            "rows": selectors.file_tree_rows(files=list(page_obj.object_list)),
            "candidate": selectors.candidate_for_package(package=package),
            "logged_model": getattr(package, "logged_model", None)
            if package.package_type == "ml_model"
            else None,
        },
    )


def _package_file(package, file_id: int):
    package_file = selectors.package_files(package=package).filter(pk=file_id).first()
    if package_file is None:
        raise Http404("File not found")
    return package_file


@require_GET
@project_page()
def package_file_detail(request, project_path, package_id: int, file_id: int):
    package = _package(request, package_id)
    package_file = _package_file(package, file_id)
    display, _ = inline_display(package_file)
    return render(
        request,
        "packages_registry/package_file_detail.html",
        {
            "nav": "packages",
            "project": request.project,
            "package": package,
            "file": package_file,
            "display": display.value,
        },
    )


@require_GET
@project_page()
def package_file_download(request, project_path, package_id: int, file_id: int):
    package_file = _package_file(_package(request, package_id), file_id)
    return file_response(request, package_file, inline=request.GET.get("inline") == "1")


@require_GET
@project_page()
def package_file_thumbnail(request, project_path, package_id: int, file_id: int):
    thumbnail = selectors.package_file_thumbnail(package=_package(request, package_id), file_id=file_id)
    if not thumbnail:
        raise Http404("No thumbnail")
    response = HttpResponse(bytes(thumbnail), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response

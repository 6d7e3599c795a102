"""`{% load roles %}{% if request|can_write %}`: whether the page's viewer may change things (developer and up,
the role the MLflow API asks for every write), so shared templates can show edit controls without each view
passing a flag. The view still checks the role itself; this only hides controls."""

from django import template

from projects.decorators import role_at_least
from projects.models import Role

register = template.Library()


@register.filter
def can_write(request) -> bool:
    return role_at_least(request, Role.DEVELOPER)

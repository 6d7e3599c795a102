"""`{% load markdown %}{{ text|markdown }}`: a description rendered by projects.markdown (sanitised)."""

from django import template
from django.utils.safestring import mark_safe

from projects.markdown import markdown_to_html

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value) -> str:
    return mark_safe(markdown_to_html(value))  # noqa: S308 - sanitised by nh3 with an allow-list

from django.utils.html import format_html
from django.utils.safestring import mark_safe


def banner(title: str) -> str:
    # ruleid: django-mark-safe
    return mark_safe(f"<b>{title}</b>")


def comment_html(comment: str) -> str:
    # ruleid: django-mark-safe
    return mark_safe(comment.replace("\n", "<br>"))


def banner_safely(title: str) -> str:
    # ok: django-mark-safe
    return format_html("<b>{}</b>", title)


def separator() -> str:
    # ok: django-mark-safe
    return mark_safe("<hr>")

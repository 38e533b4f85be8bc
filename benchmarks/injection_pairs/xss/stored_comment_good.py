from django.shortcuts import get_object_or_404, render
from django.utils.html import format_html

from .models import Comment


def show_comment(request, comment_id):
    comment = get_object_or_404(Comment, pk=comment_id)
    body = format_html("<div class='comment'>{}</div>", comment.body)
    return render(request, "comment.html", {"body": body})

from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from .models import Comment


def show_comment(request, comment_id):
    comment = get_object_or_404(Comment, pk=comment_id)
    body = mark_safe("<div class='comment'>" + comment.body + "</div>")
    return render(request, "comment.html", {"body": body})

from markupsafe import Markup, escape


def heading(username: str) -> Markup:
    # ruleid: markupsafe-markup-xss
    return Markup("<h2>" + username + "</h2>")


def comment_html(comment: str) -> Markup:
    # ruleid: markupsafe-markup-xss
    return Markup(f"<p>{comment}</p>")


def heading_safely(username: str) -> Markup:
    # ok: markupsafe-markup-xss
    return Markup("<h2>{}</h2>").format(username)


def comment_html_safely(comment: str) -> Markup:
    # ok: markupsafe-markup-xss
    return Markup("<p>%s</p>") % escape(comment)

import graphene
from django.db import connection


class Query(graphene.ObjectType):
    user_email = graphene.String(username=graphene.String(required=True))

    def resolve_user_email(self, info, username):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT email FROM auth_user WHERE username = '{username}'")
            row = cursor.fetchone()
        return row[0] if row else None

"""Django settings for the shop project (as generated for a deployment)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
# ruleid: django-debug-enabled-in-settings
DEBUG = os.environ.get("DJANGO_DEBUG", "True") == "True"
ALLOWED_HOSTS = ["shop.example.com"]
INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "shop"]
ROOT_URLCONF = "shop.urls"

# SECURITY WARNING: don't run with debug turned on in production!
# ruleid: django-debug-enabled-in-settings
DEBUG = True

if os.environ.get("DJANGO_ENV") == "dev":
    # ok: django-debug-enabled-in-settings
    DEBUG = True

# ok: django-debug-enabled-in-settings
DEBUG = os.environ.get("DJANGO_DEBUG", "False") == "True"


def enable_debug_for_tests(settings) -> None:
    # ok: django-debug-enabled-in-settings
    DEBUG = True
    settings.DEBUG = DEBUG

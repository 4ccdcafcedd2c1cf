"""Test settings: the project's settings with speed knobs only."""

from lab.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

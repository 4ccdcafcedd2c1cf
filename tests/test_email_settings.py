"""E-mail settings: the console locally, SMTP from the environment in production."""

from tests.test_settings import PRODUCTION, manage

SHOWN = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, s.EMAIL_HOST or '-', s.EMAIL_PORT, s.EMAIL_HOST_USER or '-', "
    "s.EMAIL_HOST_PASSWORD or '-', s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)"
)
CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"
MAIL = {
    "EMAIL_HOST": "smtp.example.org",
    "EMAIL_HOST_USER": "lab",
    "EMAIL_HOST_PASSWORD": "s3cret-relay",
    "DEFAULT_FROM_EMAIL": "lab-records@lab.example.org",
}


def shown(**env) -> list[str]:
    result = manage("shell", "-v", "0", "-c", SHOWN, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_local_mail_goes_to_the_console_even_with_a_host():
    assert shown(EMAIL_HOST="smtp.example.org", DEFAULT_FROM_EMAIL="") == [
        CONSOLE, "smtp.example.org", "25", "-", "-", "False", "webmaster@localhost"
    ]


def test_production_without_a_host_writes_mail_to_the_console():
    assert shown(**PRODUCTION, EMAIL_HOST="") == [
        CONSOLE, "-", "25", "-", "-", "False", "webmaster@localhost"
    ]


def test_production_sends_by_smtp_on_587_with_tls_by_default():
    assert shown(**PRODUCTION, **MAIL, EMAIL_PORT="", EMAIL_USE_TLS="") == [
        SMTP, "smtp.example.org", "587", "lab", "s3cret-relay", "True",
        "lab-records@lab.example.org",
    ]


def test_production_smtp_port_and_tls_come_from_the_environment():
    assert shown(**PRODUCTION, **MAIL, EMAIL_PORT="2525", EMAIL_USE_TLS="false")[2:6] == [
        "2525", "lab", "s3cret-relay", "False"
    ]


def test_production_smtp_refuses_to_start_without_a_from_address():
    result = manage("check", **PRODUCTION, **{**MAIL, "DEFAULT_FROM_EMAIL": ""})

    assert result.returncode == 1
    assert "DEFAULT_FROM_EMAIL is not set. With EMAIL_HOST set" in result.stderr


def test_bad_mail_port_and_tls_are_named():
    port = manage("check", **PRODUCTION, **MAIL, EMAIL_PORT="smtp")
    tls = manage("check", **PRODUCTION, **MAIL, EMAIL_USE_TLS="sometimes")

    assert "EMAIL_PORT must be a whole number, not 'smtp'." in port.stderr
    assert "EMAIL_USE_TLS must be true or false, not 'sometimes'." in tls.stderr


def test_check_deploy_is_clean_with_smtp():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **MAIL)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

ORCID_PATTERN = r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$"


def orcid_check_digit(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD.

    https://support.orcid.org/hc/en-us/articles/360006897674
    """
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def validate_orcid(value: str) -> None:
    if not re.fullmatch(ORCID_PATTERN, value):
        raise ValidationError(
            "Enter an ORCID iD as four groups of four digits, e.g. 0000-0002-1825-0097.",
            code="orcid_format",
        )
    digits = value.replace("-", "")
    if orcid_check_digit(digits[:15]) != digits[15]:
        raise ValidationError(
            "%(value)s is not a valid ORCID iD: its check digit does not match.",
            code="orcid_checksum",
            params={"value": value},
        )


validate_github_username = RegexValidator(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$",
    "Enter the GitHub user name only, e.g. whwh1996 (not the full URL).",
)

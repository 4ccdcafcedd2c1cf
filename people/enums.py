from django.db import models


class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", "University"
    COMPANY = "company", "Company"
    LAB = "lab", "Lab or research group"
    PUBLISHER = "publisher", "Publisher or society"
    GOVERNMENT = "government", "Government"
    OTHER = "other", "Other"


class RoleKind(models.TextChoices):
    EDUCATION = "education", "Education"
    POSITION = "position", "Position"
    MEMBERSHIP = "membership", "Lab membership"
    VISITING = "visiting", "Visit"
    INTERNSHIP = "internship", "Internship"
    TEACHING = "teaching", "Teaching"
    ACTIVITY = "activity", "Activity"


class Term(models.TextChoices):
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"
    FALL = "fall", "Fall"
    WINTER = "winter", "Winter"

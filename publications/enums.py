from django.db import models


class VenueKind(models.TextChoices):
    CONFERENCE = "conference", "Conference"
    JOURNAL = "journal", "Journal"
    WORKSHOP = "workshop", "Workshop"
    PREPRINT = "preprint", "Preprint server"
    OTHER = "other", "Other"


class PaperStatus(models.TextChoices):
    PUBLISHED = "published", "Published"
    ACCEPTED = "accepted", "Accepted"
    UNDER_REVIEW = "under_review", "Under review"
    PREPRINT = "preprint", "Preprint"


class ServiceKind(models.TextChoices):
    REVIEWER = "reviewer", "Reviewer"
    PROGRAM_COMMITTEE = "program_committee", "Program committee"
    ARTIFACT_EVALUATION_COMMITTEE = (
        "artifact_evaluation_committee",
        "Artifact evaluation committee",
    )
    SHADOW_PC = "shadow_pc", "Shadow program committee"
    ORGANIZER = "organizer", "Organizer"
    CHAIR = "chair", "Chair"
    WEB_CHAIR = "web_chair", "Web chair"

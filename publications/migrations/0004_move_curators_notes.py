"""Paper.note held two kinds of text: public notes ("Invited Submission to USENIX ;login:") and
curators' remarks on provenance ("Listed as a preprint under 'In Submission' in Qinghao Hu's
CV..."), and the paper page showed both. Every existing note becomes a curators' note (never
shown) unless it is one of the public notes below, the one the seed data has: a lab admin can
move a note back to the public field in the admin. Reversing joins them again."""

from django.db import migrations

PUBLIC_NOTES = ("Invited Submission to USENIX ;login:",)


def split_notes(apps, schema_editor):
    Paper = apps.get_model("publications", "Paper")
    for paper in Paper.objects.exclude(note="").only("pk", "note", "curator_note"):
        if paper.note.strip() in PUBLIC_NOTES:
            continue
        paper.curator_note = "\n\n".join(part for part in (paper.curator_note, paper.note) if part)
        paper.note = ""
        paper.save(update_fields=["note", "curator_note"])


def join_notes(apps, schema_editor):
    Paper = apps.get_model("publications", "Paper")
    for paper in Paper.objects.exclude(curator_note="").only("pk", "note", "curator_note"):
        paper.note = "\n\n".join(part for part in (paper.note, paper.curator_note) if part)
        paper.curator_note = ""
        paper.save(update_fields=["note", "curator_note"])


class Migration(migrations.Migration):
    dependencies = [("publications", "0003_history_merges_versions_notes")]

    operations = [migrations.RunPython(split_notes, join_notes)]

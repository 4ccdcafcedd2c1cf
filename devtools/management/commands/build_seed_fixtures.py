from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from devtools.seed import FIXTURE, SOURCE, SeedError, build_fixture


class Command(BaseCommand):
    help = (
        "Build fixtures/lab.json from the curated fixtures/source/lab.yaml. Runs in a "
        "transaction that is rolled back, so it needs a migrated database without lab records."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", type=Path, default=SOURCE)
        parser.add_argument("--output", type=Path, default=FIXTURE)
        parser.add_argument(
            "--check",
            action="store_true",
            help="Fail if the output file differs from what the source builds.",
        )

    def handle(self, *args, source, output, check, **options):
        try:
            text = build_fixture(source)
        except SeedError as error:
            raise CommandError(str(error)) from None
        if check:
            current = output.read_text(encoding="utf-8") if output.exists() else ""
            if current != text:
                raise CommandError(f"{output} is out of date: run manage.py build_seed_fixtures.")
            self.stdout.write(f"{output} is up to date.")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}."))

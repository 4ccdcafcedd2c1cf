import factory
from django.contrib.auth import get_user_model

from people.enums import InstitutionKind, RoleKind
from people.models import Award, Institution, Person, Role
from publications.enums import PaperStatus, ServiceKind, VenueKind
from publications.models import Authorship, Keyword, Paper, PaperAward, Service, Venue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*extracted)
        if create:
            self.save()


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"University {n}")
    short_name = factory.Sequence(lambda n: f"U{n}")
    slug = factory.Sequence(lambda n: f"university-{n}")
    kind = InstitutionKind.UNIVERSITY
    country = "HK"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Researcher {n}")
    slug = factory.Sequence(lambda n: f"researcher-{n}")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    person = factory.SubFactory(PersonFactory)
    kind = RoleKind.POSITION
    title = "Postdoc"
    institution = factory.SubFactory(InstitutionFactory)
    start_year = 2020


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    person = factory.SubFactory(PersonFactory)
    title = factory.Sequence(lambda n: f"Award {n}")
    year = 2023


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Symposium {n}")
    short_name = factory.Sequence(lambda n: f"SYM{n}")
    slug = factory.Sequence(lambda n: f"sym-{n}")
    kind = VenueKind.CONFERENCE


class KeywordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Keyword

    name = factory.Sequence(lambda n: f"topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    title = factory.Sequence(lambda n: f"A Study of Systems, Part {n}")
    slug = factory.Sequence(lambda n: f"study-{n}")
    venue = factory.SubFactory(VenueFactory)
    year = 2024
    status = PaperStatus.PUBLISHED


class AuthorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorship

    paper = factory.SubFactory(PaperFactory)
    person = factory.SubFactory(PersonFactory)
    position = factory.Sequence(lambda n: n + 1)


class PaperAwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaperAward

    paper = factory.SubFactory(PaperFactory)
    title = factory.Sequence(lambda n: f"Best Paper Award {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    person = factory.SubFactory(PersonFactory)
    venue = factory.SubFactory(VenueFactory)
    kind = ServiceKind.REVIEWER
    start_year = 2024
    end_year = 2024

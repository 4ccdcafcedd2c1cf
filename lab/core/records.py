"""The lab's records: which apps and models they are, and the one order they go in.

``MODEL_ORDER`` lists every model of the lab's apps, each after the models it refers to: the
order the whole-lab workbook's sheets, the seed fixtures and the apps' resource lists follow,
and, reversed, the order the synthetic lab is flushed in. The shared floor imports no app, so
models are named by label and resolved through Django's app registry when asked for.
"""

from collections.abc import Callable, Iterable

from django.apps import apps

#: The apps whose records the lab curates: cached pages, permissions and history cover them.
LAB_APPS = ("people", "publications")

MODEL_ORDER = (
    "people.Institution",
    "people.Person",
    "publications.Venue",
    "publications.Keyword",
    "publications.Paper",
    "publications.Authorship",
    "publications.PaperAward",
    "people.Role",
    "people.Award",
    "publications.Service",
)


def is_history(model) -> bool:
    """A version table of django-simple-history (HistoricalPaper, HistoricalRole_advisors):
    not a record of the lab itself."""
    return hasattr(model, "instance_type") or model.__name__.startswith("Historical")


def lab_models() -> list:
    """Every model of the lab's apps but the history tables, in the app registry's order."""
    return [
        model
        for app in LAB_APPS
        for model in apps.get_app_config(app).get_models()
        if not is_history(model)
    ]


def ordered_models() -> list:
    """The models of MODEL_ORDER, in that order."""
    return [apps.get_model(label) for label in MODEL_ORDER]


def deletion_order() -> list:
    """Every table of the lab, children first: each model after its many-to-many link tables
    and after the models that refer to it (MODEL_ORDER reversed)."""
    tables = []
    for model in reversed(ordered_models()):
        tables += [
            field.remote_field.through
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        ]
        tables.append(model)
    return tables


def in_model_order(items: Iterable, *, model: Callable = lambda item: item) -> tuple:
    """``items`` sorted by the MODEL_ORDER place of ``model(item)`` (items of one model keep
    their order)."""
    place = {label.lower(): number for number, label in enumerate(MODEL_ORDER)}
    return tuple(sorted(items, key=lambda item: place[model(item)._meta.label_lower]))

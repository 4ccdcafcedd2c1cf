"""lab.core.records: the one list of the lab's models, in the order they depend on each other,
that the workbook, the fixtures, the resources and the synthetic lab read."""

from django.apps import apps

from devtools.seed import FIXTURE_MODELS
from devtools.synthetic import LAB_MODELS
from lab.core.records import (
    LAB_APPS,
    MODEL_ORDER,
    deletion_order,
    is_history,
    ordered_models,
)
from lab.workbook import SHEETS
from people.resources import RESOURCES as PEOPLE_RESOURCES
from publications.resources import RESOURCES as PUBLICATION_RESOURCES


def test_model_order_lists_every_model_of_the_lab_apps_once():
    registered = {
        model._meta.label
        for app in LAB_APPS
        for model in apps.get_app_config(app).get_models()
        if not is_history(model)
    }

    assert sorted(MODEL_ORDER) == sorted(registered)
    assert len(set(MODEL_ORDER)) == len(MODEL_ORDER)


def test_each_model_comes_after_the_models_it_refers_to():
    place = {model: number for number, model in enumerate(ordered_models())}
    for model, number in place.items():
        for field in model._meta.get_fields():
            target = field.related_model
            if field.concrete and field.is_relation and target in place and target is not model:
                assert place[target] < number, f"{model.__name__}.{field.name}"


def test_fixtures_workbook_resources_and_flush_follow_the_one_order():
    order = ordered_models()

    def in_order(models) -> bool:
        places = [order.index(model) for model in models]
        return places == sorted(places)

    assert order == FIXTURE_MODELS
    assert in_order([sheet.resource._meta.model for sheet in SHEETS])
    assert in_order([resource._meta.model for resource in PEOPLE_RESOURCES])
    assert in_order([resource._meta.model for resource in PUBLICATION_RESOURCES])
    assert list(LAB_MODELS) == deletion_order()
    concrete = [model for model in LAB_MODELS if not model._meta.auto_created]
    assert concrete == list(reversed(order))

"""Development tooling, apart from the runtime code: the seed-fixture builder, the synthetic
lab generator and the benchmark commands (``manage.py build_seed_fixtures``, ``generate_lab``,
``benchmark_pages``, ``benchmark_spreadsheets``).

It sits on top of everything (docs/architecture.md): it may import the project (``lab``), the
apps and the shared floor (``lab.core``); nothing of the runtime imports it. It has no models,
URLs or templates, only commands.
"""

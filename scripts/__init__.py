"""RoboShop's local tooling: the runner, seeding, invoking a function, the dev broker.

The tools import the functions' packages (kit, catalogue, ...) as installed packages:
the project is installed editable (pyproject.toml), from functions/ as they lie in an
image's /app. Only `seed` and `backup` go into an image (the seed image, Dockerfile),
so they import nothing else of this package.
"""

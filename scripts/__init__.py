"""RoboShop's tooling, one package a role.

- `jobs`: seeding and backups, the only part that ships (the seed image's Jobs);
- `stack`: the local stack (`make run`, the tests' stack, the dev broker, the machine set-up);
- `ops`: an operator's tools against a running shop (invoke, chaos, dead letters, releases);
- `bench`: measurement (`make bench`, `make load`);
- `docs`: what the docs print from the code (the settings table).

The tools import the functions' packages (kit, catalogue, ...) as installed packages: the
project is installed editable (pyproject.toml), from functions/ as they lie in an image's /app.
"""

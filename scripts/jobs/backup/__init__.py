"""Backup and restore of RoboShop's data:
`python -m scripts.jobs.backup create|restore|verify|list`.

One archive (tar.gz, named by its UTC time) holds every MongoDB collection of the
shop's databases, every MySQL table of its databases and every Redis key family
the shop writes (with the time each key had left to live), plus a manifest: what
is inside, when and from which shop version it was made, how many records each
part holds and the SHA-256 of every file. `restore` checks all of that before it
writes anything, then replaces what the archive holds.

The stores are reached as the functions and the seeds reach them (MONGO_URL,
REDIS_URL, MYSQL_HOST/PORT and MYSQL_ADMIN_USER/PASSWORD, DATA_NAMESPACE), so the
same command serves `make backup` locally and the CronJob in the cluster.
"""

"""What ships: seeding and backups, run in the cluster from the seed image (the seed Jobs, the
backup CronJob, the restore Job). They import nothing else of `scripts`."""

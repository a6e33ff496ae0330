"""Idempotent seeding of RoboShop's stores: run it twice and the data is the same."""

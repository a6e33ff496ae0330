"""`make bench` (`python -m scripts.bench`): the shop's figures beside their targets."""

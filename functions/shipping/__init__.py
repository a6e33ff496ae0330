"""shipping: countries, cities and the cost of shipping to them (MySQL)."""

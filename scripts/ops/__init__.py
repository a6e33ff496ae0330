"""An operator's tools against a running shop, local or on a cluster: invoking a function, the
chaos switches, the dead letters, reaching a cluster, rendering a release. Dev-only."""

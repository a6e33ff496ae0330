"""docs/versions.md: the releases the manifests are checked against, from versions.yaml."""

from __future__ import annotations

from knative.checks import versions
from scripts.docs import pages

PAGE = pages.DOCS / "versions.md"


def page() -> str:
    rows = ["| component | version | older releases |", "|---|---|---|"]
    rows += [f"| {c.component} | `{c.version}` | {pages.cell(c.floor)} |" for c in versions.load()]
    return "\n".join(
        [
            pages.banner("python -m scripts.docs", "knative/checks/versions.yaml"),
            "# Tested versions",
            "",
            "`make test` checks the manifests against these releases: the schemas in"
            " `knative/checks/crds/` come from them, the offline rules apply their webhooks'"
            " checks and defaults, and core kinds are validated against this Kubernetes."
            " Older releases are not supported; where the reason is known, it is in the last"
            " column.",
            "",
            *rows,
            "",
            "To move to other releases, change `knative/checks/versions.yaml` and the pinned"
            " schemas together ([knative/checks/crds/README.md](../knative/checks/crds/README.md)),"
            " then run `python -m scripts.docs` and `make test`.",
            "",
        ]
    )


if __name__ == "__main__":
    pages.write(PAGE, page)

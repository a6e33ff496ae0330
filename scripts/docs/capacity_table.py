"""docs/capacity.md: what each overlay's ResourceQuota is sized for, part by part, and the most
one function can scale to, from the offline model (knative/checks/admission.py)."""

from __future__ import annotations

from knative.checks import admission as a
from knative.checks import manifests as m
from knative.checks import platform
from knative.checks.cluster import CPU, MEMORY, Resources
from scripts.docs import pages

PAGE = pages.DOCS / "capacity.md"
KEYS = ("pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")
PARTS = {
    "running": "every pod at max-scale",
    "new_revisions": "every function's new revision, at max-scale beside the old",
    "surge": "our Deployments' surge (nginx)",
    "data_plane": "eventing-rabbitmq's Deployments, one pod more each",
}
GIB = 2**30


def _figure(key: str, value: int) -> str:
    if key.endswith(".cpu"):
        return f"{value / 1000:.2f}"
    if key.endswith(".memory"):
        return f"{value / GIB:.2f} GiB"
    return str(value)


def _row(label: str, usage: dict[str, int]) -> str:
    return f"| {label} | " + " | ".join(_figure(k, usage.get(k, 0)) for k in KEYS) + " |"


def _overlay(folder: str) -> list[str]:
    objects = m.render(folder)
    parts = a.budget(objects, at_max=True)
    rows = [f"| {folder} | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
    rows += [_row(PARTS[name], usage) for name, usage in parts.parts().items()]
    rows.append(_row("**the budget**", parts.total()))
    for variant in (o for o in m.OVERLAYS if o.startswith(f"{folder}+")):
        component = variant.split("+", 1)[1]
        rows.append(_row(f"the budget with the `{component}` component", _total(variant)))
    rows.append(_row("at rest: the same at min-scale", a.budget(objects, at_max=False).total()))
    rows.append(_row("**the quota**", a.quota(objects)))
    return rows


def _total(overlay: str) -> dict[str, int]:
    return a.budget(m.render(overlay), at_max=True).total()


def _most() -> list[str]:
    rendered = {folder: m.render(folder) for folder in m.OVERLAY_FOLDERS}
    rows = ["| function | " + " | ".join(rendered) + " |", "|---" * (len(rendered) + 1) + "|"]
    for name in sorted(m.ksvcs(next(iter(rendered.values())))):
        cells = []
        for objects in rendered.values():
            notes = m.ksvcs(objects)[name]["spec"]["template"]["metadata"]["annotations"]
            cells.append(f"{a.most_scale(objects, name)} ({notes[m.SCALE + 'max-scale']})")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


def _requests(resources: Resources) -> str:
    return f"{resources[CPU] / 1000:.1f} CPUs and {resources[MEMORY] / GIB:.1f} GiB"


def _node() -> list[str]:
    size = a.node_size(m.render("dev"))
    return [
        "| what | requests |",
        "|---|---|",
        f"| Kubernetes' own pods and the operators (`knative/checks/platform.py`) | "
        f"{_requests(size.platform)} |",
        f"| the dev overlay at rest | {_requests(size.at_rest)} |",
        f"| the dev overlay at max-scale, a release and an upgrade under way | "
        f"{_requests(size.at_max)} |",
        f"| the dev overlay up to its quota | {_requests(size.quota)} |",
        f"| the node's own processes (kind reserves nothing for them) | "
        f"{platform.NODE_ITSELF / GIB:.1f} GiB |",
    ]


def page() -> str:
    return "\n".join(
        [
            pages.banner("python -m scripts.docs", "the overlays and knative/checks/admission.py"),
            "# Capacity",
            "",
            "What each overlay's ResourceQuota is sized for: the budget the offline model"
            " computes from the rendered objects (`knative/checks/admission.py`), in which a"
            " release (or a `roboshop-config` change) and an eventing-rabbitmq upgrade come at"
            " once, at max-scale. Why that worst case, and how Knative and eventing-rabbitmq"
            " roll out: [decision 0009](decisions/0009-cpu-limits-and-rollout-budget.md)."
            " `make test` fails when a quota is below its budget or more than 1.5x above it;"
            " CPUs are whole CPUs.",
            "",
            *[line for folder in m.OVERLAY_FOLDERS for line in (*_overlay(folder), "")],
            "## The most one function can scale to",
            "",
            "The largest `max-scale` each function can have (its own in brackets) with every"
            " other function at its own and a release and an upgrade under way, on the overlay"
            " alone (a component's pods take their share); past it, the pods beyond the quota"
            " are refused at admission at the worst moment.",
            "",
            *_most(),
            "",
            "## A kind node for dev",
            "",
            "The scheduler places a pod only where its requests fit; knative/README.md says"
            " how big a node that makes.",
            "",
            *_node(),
            "",
        ]
    )


if __name__ == "__main__":
    pages.write(PAGE, page)

"""Reaching a function of a cluster from this machine, through the Knative ingress.

Every function is cluster-local, so nothing outside the cluster resolves its name; the
ingress routes by Host. Forward a local port to the ingress's in-cluster service, e.g.
with Kourier

    kubectl -n kourier-system port-forward service/kourier-internal 8081:80

(Istio: `-n istio-system service/knative-local-gateway`; Contour: `-n contour-internal
service/envoy`) and give its address: a request sent there with Host
`<function>.<namespace>.svc.cluster.local` reaches that function, its event and
operator routes included, which nginx never forwards. Port-forwarding takes the RBAC
right to do it in the ingress's namespace: it is an operator's way in, not the public's.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_NAMESPACE = "roboshop"


def host(function: str, namespace: str = DEFAULT_NAMESPACE) -> str:
    return f"{function}.{namespace}.svc.cluster.local"


def through(
    gateway: str, function: str, namespace: str = DEFAULT_NAMESPACE
) -> tuple[str, dict[str, str]]:
    """The base URL to send to and the Host header that routes it to `function`."""
    parts = urlsplit(gateway if "://" in gateway else f"http://{gateway}")
    if not parts.hostname:
        raise SystemExit(f"not an address to reach the ingress at: {gateway!r}")
    return f"{parts.scheme}://{parts.netloc}", {"Host": host(function, namespace)}

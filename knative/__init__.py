"""The shop's Kubernetes manifests; `knative.checks` is the offline model they are tested on."""

"""The Kubernetes engine: client, raw REST calls, access reviews, server-side apply, readiness."""

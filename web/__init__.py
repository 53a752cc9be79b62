"""HTTP plumbing that the REST API (api/) and the workbench (ui/) share, and nothing above
workflows/: the request's session, paging, CSV answers, the route allowlist."""

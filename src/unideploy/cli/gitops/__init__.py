"""`unideploy gitops …`: render (`render_cmd`), status, bootstrap and charts, one module each."""

"""TLS configuration of live endpoints: the sslyze scan, chain trust, Mozilla profile judging."""

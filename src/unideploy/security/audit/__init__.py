"""Live cluster audit: read-only lists of what a cluster serves, and the rules judging them."""

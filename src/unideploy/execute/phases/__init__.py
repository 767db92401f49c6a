"""The pipeline's phases: each turns part of a Plan into runner Steps that call the engines."""

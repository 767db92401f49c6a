"""Secret values and their redaction, shared by every layer above the engines.

Values decrypted from SOPS files are typed as secrets (`values.SecretStr`, ...) the moment they are
read and registered here, so every writer (logs, reports, history, metrics, rendered files) can
replace them by `***` before a byte leaves the process.
"""

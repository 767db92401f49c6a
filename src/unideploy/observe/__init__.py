"""Observing runs from outside: Prometheus samples, their delivery, alert rules, dashboard, chat.

Fed by finished (or starting) runs from the service layer; nothing here changes a cluster.
"""

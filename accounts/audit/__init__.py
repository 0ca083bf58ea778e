"""Audit: the security trail (``AuditLog``), ``audit_record``, its read-only admin and purge.

The bottom layer: every other capability records here; this imports none of them.
"""

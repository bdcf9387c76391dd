"""Orders and nurse tasks are clinical records: the admin site does not show them.

Administrators see no resident data (careteams.policy); orders are read and changed only
through the views and services, which apply the access policy and write the access log.
"""

"""Nothing of the consults app is registered in the admin.

Consults, their messages, photos and journal notes are clinical records: they are read only
through the consult pages, where the access policy applies and every read is logged. The admin
is for administrators, who see no resident data (careteams/policy.py).
"""

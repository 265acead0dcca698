"""Gmail API push: connected mailboxes, their watch, Pub/Sub notifications and the sync.

A mailbox is connected by OAuth consent (oauth.py) or from the environment; its refresh
token is stored encrypted (tokens.py). `users.watch` makes Gmail publish every change to a
Pub/Sub topic whose push subscription posts to `/api/ingress/pubsub` (push.py verifies
the OIDC token and records the notification durably). A sync thread (runner.py) then reads
the mailbox's history from its last history id (sync.py), fetches each new message, parses
it (email_processing/mime.py) and hands it to the same ingest pipeline as the Apps Script.
"""

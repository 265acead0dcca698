"""Who may do what: the dashboard's sign-in, magic links, the ingress token, the audit log."""

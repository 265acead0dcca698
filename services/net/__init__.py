"""Outbound HTTP with the SSRF guard, shared by delivery and offload."""

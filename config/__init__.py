"""Settings, Redis connection and key names, the config store. Imports nothing else of ours."""

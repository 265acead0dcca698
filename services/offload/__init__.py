"""R2 offload: durable copies of file-transfer links."""

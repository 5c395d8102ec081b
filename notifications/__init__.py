"""Messages to customers over SMS, email and push, with their delivery status."""

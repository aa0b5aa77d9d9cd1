"""Screen regions and platform window discovery."""

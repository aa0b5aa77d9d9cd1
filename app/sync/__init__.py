"""A/V sync: measure the offset between picture and sound on this machine, keep it, apply it."""

"""Pure domain vocabulary: money, normalized bank records, errors, settings.

Nothing in here touches the database, the clock or the network.
"""

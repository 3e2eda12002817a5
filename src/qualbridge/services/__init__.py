"""Use cases of the service: the one place that orchestrates the domain core and storage.

Every use case takes a :class:`~qualbridge.services.context.Context` (storage, blob store, clock) and
the :class:`~qualbridge.services.actor.Actor` it acts for, checks what the actor may do, runs in one
transaction (committed or rolled back as a whole), and returns records from
:mod:`qualbridge.services.records`, never table rows. The API, the web pages and the CLI call these;
they never call each other or the store.
"""

"""Lab emulators: HTTPS stand-ins for appliances the collection talks to.

Nothing here is part of the collection's runtime. ``common`` holds the machinery every
emulator shares (app factory, certificates, persisted state, validation, tasks, faults,
request log, ``/_lab/`` control endpoints); ``vcda`` is the VMware Cloud Director
Availability emulator. Start them with ``lab/emulators.sh start``.
"""

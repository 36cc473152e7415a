"""Machinery shared by every lab emulator (VCDA now, vCD/NSX next).

- ``config``     reading lab/config/lab.yml into appliance specs
- ``appliance``  ``BaseAppliance``, ``Endpoint``, ``Call``: what an emulator subclasses/declares
- ``app``        the Flask app factory (request pipeline, error rendering, request log)
- ``server``     TLS servers (one thread per appliance) and ``Lab`` (all appliances of a config)
- ``certs``      self-signed certificates, SHA-256 thumbprints, PKCS#12, TLS contexts
- ``state``      atomic JSON state files; JSON-pointer patches
- ``schema``     strict declarative body schemas
- ``media``      Accept / Content-Type negotiation for versioned vendor media types
- ``sessions``   token sessions with idle timeout
- ``tasks``      QUEUED → RUNNING → SUCCEEDED/FAILED tasks with time-based progress
- ``faults``     deterministic 503 / connection-reset / latency injection
- ``reqlog``     request log without secrets
- ``control``    the lab-only ``/_lab/`` endpoints
- ``tlsclient``  outbound HTTPS with certificate pinning (appliance-to-appliance checks)
"""

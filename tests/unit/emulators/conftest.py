"""Fixtures for the lab emulator tests: in-process labs on loopback addresses with free ports
and a tiny TLS server standing in for a lookup service."""
from __future__ import annotations

import pytest

from emulator_helpers import SITE1, Lab, RunningLab, TinyTlsServer, write_config

from lab.emulators.common.config import load_lab_config
from lab.emulators.run import kinds


@pytest.fixture(scope="session")
def cert_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def lab_factory(tmp_path, cert_dir):
    """``start(appliances=SITE1, state_dir=None, **defaults)`` -> RunningLab; everything stops at teardown."""
    started = []

    def start(appliances=None, state_dir=None, **defaults):
        cfg = write_config(tmp_path / ("lab-%d.yml" % len(started)), [dict(a) for a in (appliances or SITE1)], **defaults)
        config = load_lab_config(str(cfg), state_dir=str(state_dir or tmp_path / "state"), run_dir=str(tmp_path / "run"))
        lab = Lab(config, kinds(), cert_dir=cert_dir).start()
        started.append(lab)
        lab.wait_ready()
        return RunningLab(lab)

    yield start
    for lab in started:
        lab.stop()


@pytest.fixture
def lab(lab_factory):
    return lab_factory()


@pytest.fixture(scope="session")
def lookup_service(cert_dir):
    server = TinyTlsServer(cert_dir)
    yield server
    server.stop()


@pytest.fixture
def vcd_lab_factory(tmp_path, cert_dir):
    """``start(vcd=VCD, nsx=None, vcda=None, state_dir=None, vcd_defaults=None)`` -> RunningLab with vCD/NSX sections."""
    from vcd_helpers import write_vcd_config  # pylint: disable=import-outside-toplevel
    started = []

    def start(vcd=None, nsx=None, vcda=None, state_dir=None, vcd_defaults=None):
        cfg = write_vcd_config(tmp_path / ("vcd-lab-%d.yml" % len(started)), vcd, nsx, vcda, vcd_defaults)
        config = load_lab_config(str(cfg), state_dir=str(state_dir or tmp_path / "state"), run_dir=str(tmp_path / "run"))
        lab = Lab(config, kinds(), cert_dir=cert_dir).start()
        started.append(lab)
        lab.wait_ready()
        return RunningLab(lab)

    yield start
    for lab in started:
        lab.stop()

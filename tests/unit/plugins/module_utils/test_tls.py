import hashlib

import pytest

from ansible_collections.cloudmove.vcda.plugins.module_utils._common import tls as _tls
from ansible_collections.cloudmove.vcda.plugins.module_utils._common.errors import InputError

HEX = hashlib.sha256(b"cert").hexdigest()


@pytest.mark.parametrize("given", [
    HEX, HEX.upper(), ":".join(HEX[i:i + 2] for i in range(0, 64, 2)),
    "SHA-256:" + ":".join(HEX[i:i + 2] for i in range(0, 64, 2)).upper(), "sha256:" + HEX,
])
def test_normalize_accepts_common_forms(given):
    expected = "SHA-256:" + ":".join(HEX[i:i + 2] for i in range(0, 64, 2)).upper()
    assert _tls.normalize_thumbprint(given) == expected
    assert _tls.thumbprint_hex(given) == HEX


@pytest.mark.parametrize("bad", ["abc", HEX[:-2], HEX + "00", "zz" * 32])
def test_normalize_rejects_malformed_and_names_option(bad):
    with pytest.raises(InputError) as err:
        _tls.normalize_thumbprint(bad, option="remote_thumbprint")
    assert "remote_thumbprint" in str(err.value)


def test_thumbprint_of_der_and_compare():
    tp = _tls.thumbprint_of_der(b"cert")
    assert tp == _tls.normalize_thumbprint(HEX)
    assert _tls.same_thumbprint(tp, HEX.lower())
    assert not _tls.same_thumbprint(tp, hashlib.sha256(b"other").hexdigest())
    assert _tls.thumbprint_of_der(b"cert", "SHA-1").startswith("SHA-1:")


@pytest.mark.parametrize("empty", ["", "  "])
def test_empty_thumbprint_is_no_pin(empty):
    # an AWX credential field left empty injects VCDA_THUMBPRINT="" - that means "no pin", not an error
    assert _tls.normalize_thumbprint(empty) is None

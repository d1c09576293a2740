#!/usr/bin/env python3
"""Reference DER parser for the differential test of the package's strict DER reader:
pyca/cryptography, whose X.509, CRL and OCSP parsers are written on the Rust `asn1` crate (DER
only). It shares no code with the TypeScript under test.

  python3 der_reference.py KIND   KIND: certificate, crl or ocsp. stdin: one hex document per line;
                                  stdout: JSON list, per line null when cryptography reads it (every
                                  field and extension touched), else the reason it refused
"""
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import serialization
import cryptography.x509.ocsp  # noqa: F401 (x509.ocsp)


def certificate(der):
    value = x509.load_der_x509_certificate(der)
    # Extensions and names are parsed lazily: touch everything so each is decoded.
    value.subject.rfc4514_string()
    value.issuer.rfc4514_string()
    value.serial_number
    value.not_valid_before_utc
    value.not_valid_after_utc
    for extension in value.extensions:
        extension.value


def crl(der):
    value = x509.load_der_x509_crl(der)
    value.issuer.rfc4514_string()
    value.last_update_utc
    value.next_update_utc
    for extension in value.extensions:
        extension.value
    for entry in value:
        entry.serial_number
        entry.revocation_date_utc
        for extension in entry.extensions:
            extension.value


def ocsp(der):
    value = x509.ocsp.load_der_ocsp_response(der)
    if value.response_status != x509.ocsp.OCSPResponseStatus.SUCCESSFUL:
        return
    value.responder_key_hash
    value.produced_at_utc
    for extension in [*value.extensions, *value.single_extensions]:
        extension.value
    for single in value.responses:
        single.serial_number
        single.certificate_status
        single.this_update_utc
        single.next_update_utc
    for embedded in value.certificates:
        certificate(embedded.public_bytes(serialization.Encoding.DER))


READERS = {'certificate': certificate, 'crl': crl, 'ocsp': ocsp}


def read(kind, der):
    try:
        READERS[kind](der)
        return None
    except Exception as error:  # any refusal is an answer, not a crash of the reference
        return f"{type(error).__name__}: {error}"[:200]


kind = sys.argv[1]
print(json.dumps([read(kind, bytes.fromhex(line.strip())) for line in sys.stdin if line.strip()]))

#!/usr/bin/env python3
"""Reference DER certificate parser for the differential test of the package's strict DER reader:
pyca/cryptography, whose X.509 parser is written on the Rust `asn1` crate (DER only). It shares no
code with the TypeScript under test.

  python3 der_reference.py   stdin: one hex certificate per line; stdout: JSON list, per line
                             null when cryptography reads it (subject, issuer, serial, validity and
                             every extension), else the reason it refused
"""
import json
import sys

from cryptography import x509


def read(der):
    try:
        certificate = x509.load_der_x509_certificate(der)
        # Extensions and names are parsed lazily: touch everything so each is decoded.
        certificate.subject.rfc4514_string()
        certificate.issuer.rfc4514_string()
        certificate.serial_number
        certificate.not_valid_before_utc
        certificate.not_valid_after_utc
        for extension in certificate.extensions:
            extension.value
        return None
    except Exception as error:  # any refusal is an answer, not a crash of the reference
        return f"{type(error).__name__}: {error}"[:200]


print(json.dumps([read(bytes.fromhex(line.strip())) for line in sys.stdin if line.strip()]))

#!/usr/bin/python3
"""Times libxmlsec1 (Debian python3-xmlsec) sealing a document the way Passerelle does: enveloped
signature appended to the root, Reference URI="", enveloped-signature + exc-c14n, SHA-256 digest,
RSA-SHA256, X509 certificate in KeyInfo. Each round parses the document, signs and serialises it,
as signDocument() does. Prints one JSON line: {"n":..,"seconds":..,"docs_per_s":..}.
With --out FILE, also writes one signed document (used by tests to cross-check our verifier).

usage: xmlsec_sign.py DOCUMENT KEY.pem CERT.pem N [--out FILE]
"""
import json
import sys
import time

import xmlsec
from lxml import etree


def sign_once(data: bytes, key: "xmlsec.Key") -> bytes:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    sig = xmlsec.template.create(root, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds")
    root.append(sig)
    ref = xmlsec.template.add_reference(sig, xmlsec.constants.TransformSha256, uri="")
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
    key_info = xmlsec.template.ensure_key_info(sig)
    xmlsec.template.add_x509_data(key_info)
    ctx = xmlsec.SignatureContext()
    ctx.key = key
    ctx.sign(sig)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def main() -> None:
    args = sys.argv[1:]
    out = None
    if "--out" in args:
        i = args.index("--out")
        out = args[i + 1]
        del args[i : i + 2]
    document, key_file, cert_file, n = args[0], args[1], args[2], int(args[3])
    with open(document, "rb") as f:
        data = f.read()
    key = xmlsec.Key.from_file(key_file, xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_file(cert_file, xmlsec.constants.KeyDataFormatPem)
    signed = sign_once(data, key)  # warm-up, and the sample written with --out
    if out:
        with open(out, "wb") as f:
            f.write(signed)
    start = time.perf_counter()
    for _ in range(n):
        sign_once(data, key)
    seconds = time.perf_counter() - start
    print(json.dumps({"n": n, "seconds": seconds, "docs_per_s": n / seconds if seconds > 0 else None}))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Times libxmlsec1 (Debian python3-xmlsec) verifying one enveloped signature the way Passerelle
does: each round parses the text and verifies the signature with the signer certificate's key
(the trust-list check is not part of this figure). Without --id the signature is the root's child
(a document seal, Reference URI=""); with --id ID it is the one of the element with @ID=ID (a SAML
assertion, Reference URI="#ID"). Prints one JSON line: {"n":..,"seconds":..,"verify_per_s":..}.

With --ca, CERT.pem is a CA (several may be given, comma-separated): the signer certificate is then
taken from KeyInfo and must chain to one of them (how tests cross-check our verifier; N may be 0).

usage: xmlsec_verify.py DOCUMENT CERT.pem N [--id ID] [--ca]
"""
import json
import sys
import time

import xmlsec
from lxml import etree

DSIG = "http://www.w3.org/2000/09/xmldsig#"


def verify_once(data: bytes, key: "xmlsec.Key | xmlsec.KeysManager", id_value: "str | None") -> None:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    if id_value is None:
        signed = root
    else:
        found = root.xpath("//*[@ID=$id]", id=id_value)
        if len(found) != 1:
            raise SystemExit(f"expected one element with ID {id_value}, found {len(found)}")
        signed = found[0]
        xmlsec.tree.add_ids(root, ["ID"])
    signature = signed.find(f"{{{DSIG}}}Signature")
    if signature is None:
        raise SystemExit("no ds:Signature child")
    if isinstance(key, xmlsec.KeysManager):
        ctx = xmlsec.SignatureContext(key)
    else:
        ctx = xmlsec.SignatureContext()
        ctx.key = key
    ctx.verify(signature)  # raises on failure


def main() -> None:
    args = sys.argv[1:]
    id_value = None
    if "--id" in args:
        i = args.index("--id")
        id_value = args[i + 1]
        del args[i : i + 2]
    trusted_cas = "--ca" in args
    if trusted_cas:
        args.remove("--ca")
    document, cert_file, n = args[0], args[1], int(args[2])
    with open(document, "rb") as f:
        data = f.read()
    if trusted_cas:
        key = xmlsec.KeysManager()
        for ca in cert_file.split(","):
            key.load_cert(ca, xmlsec.constants.KeyDataFormatPem, xmlsec.constants.KeyDataTypeTrusted)
    else:
        key = xmlsec.Key.from_file(cert_file, xmlsec.constants.KeyDataFormatCertPem)
    verify_once(data, key, id_value)  # warm-up, and a check that it verifies at all
    start = time.perf_counter()
    for _ in range(n):
        verify_once(data, key, id_value)
    seconds = time.perf_counter() - start
    print(json.dumps({"n": n, "seconds": seconds, "verify_per_s": n / seconds if seconds > 0 else None}))


if __name__ == "__main__":
    main()

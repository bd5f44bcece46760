#!/usr/bin/python3
"""Signs a SAML assertion with libxmlsec1 (Debian python3-xmlsec), independently of Passerelle: the
enveloped signature is placed right after saml:Issuer, Reference URI="#<ID>", transforms
enveloped-signature + exc-c14n, SHA-256 digest, RSA-SHA256, the certificate in KeyInfo/X509Data
(REFERENCE.md "SAML assertions"). Used by test/saml/interop.test.ts.

usage: xmlsec_sign_assertion.py UNSIGNED.xml KEY.pem CERT.pem OUT.xml
"""
import sys

import xmlsec
from lxml import etree

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"


def main() -> None:
    unsigned, key_file, cert_file, out = sys.argv[1:5]
    root = etree.parse(unsigned, etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    if root.tag != "{%s}Assertion" % SAML:
        sys.exit("not a saml:Assertion")
    assertion_id = root.get("ID")
    xmlsec.tree.add_ids(root, ["ID"])
    sig = xmlsec.template.create(root, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds")
    issuer = root.find("{%s}Issuer" % SAML)
    issuer.addnext(sig)
    ref = xmlsec.template.add_reference(sig, xmlsec.constants.TransformSha256, uri="#" + assertion_id)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
    xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(sig))
    key = xmlsec.Key.from_file(key_file, xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_file(cert_file, xmlsec.constants.KeyDataFormatPem)
    ctx = xmlsec.SignatureContext()
    ctx.key = key
    ctx.sign(sig)
    with open(out, "wb") as f:
        f.write(etree.tostring(root, encoding="UTF-8"))


if __name__ == "__main__":
    main()

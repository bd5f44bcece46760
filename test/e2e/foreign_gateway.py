#!/usr/bin/python3
"""A foreign eHDSI gateway (country B) for Passerelle's end-to-end tests, independent of Passerelle's
code: its own PKI (python cryptography), SOAP 1.2 + WS-Addressing requests built with lxml, HCP and TRC
assertions signed with libxmlsec1 (python-xmlsec: enveloped, after saml:Issuer, Reference URI="#ID",
exc-c14n, SHA-256, RSA-SHA256), sent over mutual TLS (ssl + http.client), plain SOAP or MTOM/XOP;
answers read back (MTOM multipart split, xop:Include resolved). Run with Debian's /usr/bin/python3.

usage:
  foreign_gateway.py pki OUTDIR COUNTRY        -> JSON with the PEM paths (TLS CA + client, SAML signer)
  foreign_gateway.py send SPEC.json            -> JSON answer (status, content type, envelope, documents)
"""
import base64
import datetime
import email.parser
import email.policy
import http.client
import json
import os
import ssl
import sys
import uuid

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
HL7 = "urn:hl7-org:v3"
XOP = "http://www.w3.org/2004/08/xop/include"
XDS = "urn:ihe:iti:xds-b:2007"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
QUERY = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
RS = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

ACTIONS = {
    "xcpd": "urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery",
    "xca-query": "urn:ihe:iti:2007:CrossGatewayQuery",
    "xca-retrieve": "urn:ihe:iti:2007:CrossGatewayRetrieve",
    "xdr": "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b",
}
PATHS = {"xcpd": "/ncp/xcpd", "xca-query": "/ncp/xca", "xca-retrieve": "/ncp/xca", "xdr": "/ncp/xdr"}


# ---- PKI ------------------------------------------------------------------------------------------

def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn, country):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Foreign NCP (tests)"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, key, issuer, issuer_key, ca=False, eku=None):
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=365))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=not ca, data_encipherment=False,
                                      key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if not ca and issuer != subject:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write(path, cert=None, key=None):
    with open(path, "wb") as f:
        if cert is not None:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        if key is not None:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def make_pki(out, country):
    os.makedirs(out, exist_ok=True)
    ca_key = _key()
    ca_name = _name(f"{country} NCP test CA", country)
    ca = _cert(ca_name, ca_key, ca_name, ca_key, ca=True)
    client_key = _key()
    client = _cert(_name(f"ncp.{country.lower()}.test", country), client_key, ca_name, ca_key, eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    saml_key = _key()
    saml_name = _name(f"{country} NCP SAML signer", country)
    saml = _cert(saml_name, saml_key, saml_name, saml_key)
    paths = {"tls_ca": f"{out}/tls-ca.pem", "tls_cert": f"{out}/tls-client.pem", "tls_key": f"{out}/tls-client.key", "saml_cert": f"{out}/saml.pem", "saml_key": f"{out}/saml.key"}
    _write(paths["tls_ca"], ca)
    _write(paths["tls_cert"], client)
    _write(paths["tls_key"], key=client_key)
    _write(paths["saml_cert"], saml)
    _write(paths["saml_key"], key=saml_key)
    return paths


# ---- assertions -----------------------------------------------------------------------------------

def _iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _s(parent, local, attrs=None, text=None):
    e = etree.SubElement(parent, "{%s}%s" % (SAML, local), attrs or {})
    if text is not None:
        e.text = text
    return e


def _attribute(stmt, name, friendly, values):
    a = _s(stmt, "Attribute", {"FriendlyName": friendly, "Name": name, "NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"})
    for v in values:
        if isinstance(v, tuple):
            tag, code, system, system_name, display = v
            av = _s(a, "AttributeValue")
            etree.SubElement(av, "{%s}%s" % (HL7, tag), {"code": code, "codeSystem": system, "codeSystemName": system_name, "displayName": display}, nsmap={None: HL7})
        else:
            _s(a, "AttributeValue", text=v)


def _assertion(kind, issuer, name_id, now, lifetime, authn):
    aid = "_" + str(uuid.uuid4())
    root = etree.Element("{%s}Assertion" % SAML, {"ID": aid, "IssueInstant": _iso(now), "Version": "2.0"}, nsmap={"saml2": SAML})
    _s(root, "Issuer", {"NameQualifier": "urn:ehdsi:assertions:" + kind}, issuer)
    subj = _s(root, "Subject")
    _s(subj, "NameID", {"Format": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"}, name_id)
    _s(subj, "SubjectConfirmation", {"Method": "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"})
    cond = _s(root, "Conditions", {"NotBefore": _iso(now), "NotOnOrAfter": _iso(now + lifetime)})
    _s(_s(cond, "AudienceRestriction"), "Audience", text="urn:ehdsi:assertions.audience:x-border")
    return root, aid


def _authn(root, ref, now):
    _s(_s(_s(root, "AuthnStatement", {"AuthnInstant": _iso(now)}), "AuthnContext"), "AuthnContextClassRef", text=ref)


PERMISSIONS = {"xcpd": ["PRD-006"], "ps": ["PRD-003", "PRD-005", "PRD-010", "PRD-016", "PRD-006"], "ep": ["PRD-004", "PRD-010", "PRD-006"], "ed": ["PPD-046", "PRD-004", "PRD-010"]}
POU_SYSTEM = "3bc18518-d305-46c2-a8d6-94bd59856e9e"


def hcp_assertion(country, hcp):
    now = datetime.datetime.now(datetime.timezone.utc)
    root, aid = _assertion("hcp", f"urn:idp:{country}:countryB", hcp.get("name_id", "doctor-1@" + country), now, datetime.timedelta(hours=2), None)
    _authn(root, "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI", now)
    stmt = _s(root, "AttributeStatement")
    role = hcp.get("role", "221")
    roles = {"221": "Medical doctors", "2262": "Pharmacists"}
    _attribute(stmt, "urn:oasis:names:tc:xspa:1.0:subject:subject-id", "XSPA Subject", [hcp.get("subject", "Dr Test " + country)])
    _attribute(stmt, "urn:oasis:names:tc:xacml:2.0:subject:role", "XSPA Role", [("Role", role, "2.16.840.1.113883.2.9.6.2.7", "ISCO", roles.get(role, role))])
    _attribute(stmt, "urn:oasis:names:tc:xspa:1.0:subject:organization", "XSPA Organization", [hcp.get("organization", "Rigshospitalet")])
    _attribute(stmt, "urn:oasis:names:tc:xspa:1.0:subject:organization-id", "XSPA Organization ID", ["urn:oid:1.2.208.176.1.1"])
    _attribute(stmt, "urn:ehdsi:names:subject:healthcare-facility-type", "eHealth DSI Healthcare Facility Type", ["Pharmacy" if role == "2262" else "Hospital"])
    purpose = hcp.get("purpose", "TREATMENT")
    _attribute(stmt, "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse", "XSPA Purpose Of Use", [("PurposeOfUse", purpose, POU_SYSTEM, "eHDSI XSPA PurposeOfUse", purpose)])
    _attribute(stmt, "urn:oasis:names:tc:xspa:1.0:environment:locality", "XSPA Locality", ["Copenhagen"])
    perms = hcp.get("permissions") or PERMISSIONS[hcp.get("service", "ps")]
    _attribute(stmt, "urn:oasis:names:tc:xspa:1.0:subject:hl7:permission", "Hl7 Permissions", ["urn:oasis:names:tc:xspa:1.0:subject:hl7:permission:" + p for p in perms])
    return root, aid


def trc_assertion(country, hcp_id, name_id, patient_cx, purpose):
    now = datetime.datetime.now(datetime.timezone.utc)
    root, aid = _assertion("trc", f"urn:initgw:{country}:countryB", name_id, now, datetime.timedelta(hours=1), None)
    _s(_s(root, "Advice"), "AssertionIDRef", text=hcp_id)
    _authn(root, "urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession", now)
    stmt = _s(root, "AttributeStatement")
    _attribute(stmt, "urn:oasis:names:tc:xspa:1.0:subject:subject-id", "XSPA Subject", [patient_cx])
    _attribute(stmt, "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse", "XSPA Purpose Of Use", [("PurposeOfUse", purpose, POU_SYSTEM, "eHDSI XSPA PurposeOfUse", purpose)])
    return root, aid


def sign(root, aid, key_file, cert_file):
    """Enveloped signature right after saml:Issuer, as the eHDSI profile wants (libxmlsec1)."""
    xmlsec.tree.add_ids(root, ["ID"])
    sig = xmlsec.template.create(root, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds")
    root.find("{%s}Issuer" % SAML).addnext(sig)
    ref = xmlsec.template.add_reference(sig, xmlsec.constants.TransformSha256, uri="#" + aid)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
    xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(sig))
    key = xmlsec.Key.from_file(key_file, xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_file(cert_file, xmlsec.constants.KeyDataFormatPem)
    ctx = xmlsec.SignatureContext()
    ctx.key = key
    ctx.sign(sig)
    return root


# ---- bodies ---------------------------------------------------------------------------------------

def _e(parent, ns, local, attrs=None, text=None, nsmap=None):
    e = etree.SubElement(parent, "{%s}%s" % (ns, local), attrs or {}, nsmap=nsmap) if parent is not None else etree.Element("{%s}%s" % (ns, local), attrs or {}, nsmap=nsmap)
    if text is not None:
        e.text = text
    return e


def xcpd_body(spec):
    m = _e(None, HL7, "PRPA_IN201305UV02", {"ITSVersion": "XML_1.0"}, nsmap={None: HL7})
    _e(m, HL7, "id", {"root": "1.2.208.176.7.2.1", "extension": str(uuid.uuid4())})
    _e(m, HL7, "creationTime", {"value": datetime.datetime.utcnow().strftime("%Y%m%d%H%M%S")})
    _e(m, HL7, "interactionId", {"root": "2.16.840.1.113883.1.6", "extension": "PRPA_IN201305UV02"})
    _e(m, HL7, "processingCode", {"code": "P"})
    _e(m, HL7, "processingModeCode", {"code": "T"})
    _e(m, HL7, "acceptAckCode", {"code": "AL"})
    _e(_e(_e(m, HL7, "receiver", {"typeCode": "RCV"}), HL7, "device", {"classCode": "DEV", "determinerCode": "INSTANCE"}), HL7, "id", {"root": "1.3.182.2.12.10000734"})
    _e(_e(_e(m, HL7, "sender", {"typeCode": "SND"}), HL7, "device", {"classCode": "DEV", "determinerCode": "INSTANCE"}), HL7, "id", {"root": "1.2.208.176.7.2.1"})
    c = _e(m, HL7, "controlActProcess", {"classCode": "CACT", "moodCode": "EVN"})
    _e(c, HL7, "code", {"code": "PRPA_TE201305UV02", "codeSystem": "2.16.840.1.113883.1.6"})
    q = _e(c, HL7, "queryByParameter")
    _e(q, HL7, "queryId", {"root": "1.2.208.176.7.2.1.9", "extension": str(uuid.uuid4())})
    _e(q, HL7, "statusCode", {"code": "new"})
    _e(q, HL7, "responseModalityCode", {"code": "R"})
    _e(q, HL7, "responsePriorityCode", {"code": "I"})
    pl = _e(q, HL7, "parameterList")
    if spec.get("birth_time"):
        _e(_e(pl, HL7, "livingSubjectBirthTime"), HL7, "value", {"value": spec["birth_time"]})
        _e(pl[-1], HL7, "semanticsText", text="LivingSubject.birthTime")
    for root, ext in spec.get("ids", []):
        p = _e(pl, HL7, "livingSubjectId")
        _e(p, HL7, "value", {"root": root, "extension": ext})
        _e(p, HL7, "semanticsText", text="LivingSubject.id")
    return m


def _slot(parent, name, values):
    s = _e(parent, RIM, "Slot", {"name": name})
    vl = _e(s, RIM, "ValueList")
    for v in values:
        _e(vl, RIM, "Value", text=v)


def xca_query_body(spec):
    m = _e(None, QUERY, "AdhocQueryRequest", nsmap={"query": QUERY, "rim": RIM})
    _e(m, QUERY, "ResponseOption", {"returnComposedObjects": "true", "returnType": "LeafClass"})
    q = _e(m, RIM, "AdhocQuery", {"id": "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"})
    _slot(q, "$XDSDocumentEntryPatientId", ["'%s'" % spec["patient"]])
    _slot(q, "$XDSDocumentEntryStatus", ["('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')"])
    _slot(q, "$XDSDocumentEntryClassCode", ["('%s^^2.16.840.1.113883.6.1')" % spec["class_code"]])
    return m


def xca_retrieve_body(spec):
    m = _e(None, XDS, "RetrieveDocumentSetRequest", nsmap={"xdsb": XDS})
    for d in spec["documents"]:
        r = _e(m, XDS, "DocumentRequest")
        _e(r, XDS, "HomeCommunityId", text=spec["home"])
        _e(r, XDS, "RepositoryUniqueId", text=spec["repository"])
        _e(r, XDS, "DocumentUniqueId", text=d)
    return m


def _classification(parent, scheme, obj, node, coding, display):
    c = _e(parent, RIM, "Classification", {"classificationScheme": scheme, "classifiedObject": obj, "nodeRepresentation": node, "id": "urn:uuid:" + str(uuid.uuid4())})
    _slot(c, "codingScheme", [coding])
    _e(_e(c, RIM, "Name"), RIM, "LocalizedString", {"value": display})


def _ext_id(parent, scheme, obj, value, name):
    x = _e(parent, RIM, "ExternalIdentifier", {"identificationScheme": scheme, "registryObject": obj, "value": value, "id": "urn:uuid:" + str(uuid.uuid4())})
    _e(_e(x, RIM, "Name"), RIM, "LocalizedString", {"value": name})


def xdr_body(spec, mtom_parts):
    discard = spec.get("discard", False)
    class_code = "DISCARD-60593-1" if discard else "60593-1"
    fmt = "urn:eHDSI:ed:discard:2020" if discard else "urn:epSOS:ep:dis:2010"
    doc_id = "Document01"
    m = _e(None, XDS, "ProvideAndRegisterDocumentSetRequest", nsmap={"xdsb": XDS, "lcm": LCM, "rim": RIM})
    sor = _e(m, LCM, "SubmitObjectsRequest")
    rol = _e(sor, RIM, "RegistryObjectList")
    eo = _e(rol, RIM, "ExtrinsicObject", {"id": doc_id, "mimeType": "text/xml", "objectType": "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"})
    _slot(eo, "creationTime", [datetime.datetime.utcnow().strftime("%Y%m%d%H%M%S")])
    _slot(eo, "languageCode", ["da-DK"])
    _slot(eo, "sourcePatientId", [spec["patient"]])
    _e(_e(eo, RIM, "Name"), RIM, "LocalizedString", {"value": "eDispensation"})
    _classification(eo, "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a", doc_id, class_code, "2.16.840.1.113883.6.1", "eDispensation")
    _classification(eo, "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f", doc_id, "N", "2.16.840.1.113883.5.25", "Normal")
    _classification(eo, "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d", doc_id, fmt, "eHDSI formatCodes", "eDispensation")
    _classification(eo, "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983", doc_id, class_code, "2.16.840.1.113883.6.1", "eDispensation")
    _ext_id(eo, "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427", doc_id, spec["patient"], "XDSDocumentEntry.patientId")
    _ext_id(eo, "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab", doc_id, spec["unique_id"], "XDSDocumentEntry.uniqueId")
    rp = _e(rol, RIM, "RegistryPackage", {"id": "SubmissionSet01"})
    _slot(rp, "submissionTime", [datetime.datetime.utcnow().strftime("%Y%m%d%H%M%S")])
    _classification(rp, "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500", "SubmissionSet01", class_code, "2.16.840.1.113883.6.1", "eDispensation")
    _ext_id(rp, "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446", "SubmissionSet01", spec["patient"], "XDSSubmissionSet.patientId")
    _ext_id(rp, "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8", "SubmissionSet01", "2.25." + str(uuid.uuid4().int), "XDSSubmissionSet.uniqueId")
    _ext_id(rp, "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832", "SubmissionSet01", "1.2.208.176.7.2.1", "XDSSubmissionSet.sourceId")
    _e(rol, RIM, "Classification", {"classifiedObject": "SubmissionSet01", "classificationNode": "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd", "id": "urn:uuid:" + str(uuid.uuid4())})
    _e(rol, RIM, "Association", {"associationType": "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember", "sourceObject": "SubmissionSet01", "targetObject": doc_id, "id": "urn:uuid:" + str(uuid.uuid4())})
    content = base64.b64decode(spec["document_b64"])
    d = _e(m, XDS, "Document", {"id": doc_id})
    if mtom_parts is not None:
        cid = str(uuid.uuid4()) + "@foreign.test"
        _e(d, XOP, "Include", {"href": "cid:" + cid}, nsmap={"xop": XOP})
        mtom_parts.append((cid, "text/xml", content))
    else:
        d.text = base64.b64encode(content).decode("ascii")
    return m


BODIES = {"xcpd": xcpd_body, "xca-query": xca_query_body, "xca-retrieve": xca_retrieve_body}


# ---- envelope, transport ----------------------------------------------------------------------------

def envelope(action, message_id, body, assertions):
    env = etree.Element("{%s}Envelope" % SOAP, nsmap={"soap": SOAP, "wsa": WSA})
    header = _e(env, SOAP, "Header")
    _e(header, WSA, "Action", {"{%s}mustUnderstand" % SOAP: "true"}, action)
    _e(header, WSA, "MessageID", text=message_id)
    _e(_e(header, WSA, "ReplyTo"), WSA, "Address", text="http://www.w3.org/2005/08/addressing/anonymous")
    _e(header, WSA, "To", text="https://ncp.lu.test/")
    if assertions:
        sec = _e(header, WSSE, "Security", {"{%s}mustUnderstand" % SOAP: "true"}, nsmap={"wsse": WSSE})
        for a in assertions:
            sec.append(a)
    b = _e(env, SOAP, "Body")
    b.append(body)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def mtom_package(env_bytes, parts):
    boundary = "MIMEBoundary_" + uuid.uuid4().hex
    root = "<root.message@foreign.test>"
    out = [b"--" + boundary.encode() + b"\r\n",
           b'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-Transfer-Encoding: binary\r\nContent-ID: ' + root.encode() + b"\r\n\r\n",
           env_bytes]
    for cid, ctype, content in parts:
        out += [b"\r\n--" + boundary.encode() + b"\r\n", ("Content-Type: %s\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <%s>\r\n\r\n" % (ctype, cid)).encode(), content]
    out.append(b"\r\n--" + boundary.encode() + b"--\r\n")
    ctype = 'multipart/related; type="application/xop+xml"; boundary="%s"; start="%s"; start-info="application/soap+xml"' % (boundary, root)
    return b"".join(out), ctype


def read_answer(ctype, body):
    """The envelope and attachments (by Content-ID) of a plain or MTOM answer."""
    if ctype.lower().startswith("multipart/related"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        parts = list(msg.iter_parts())
        root = parts[0].get_payload(decode=True)
        attachments = {}
        for p in parts[1:]:
            cid = (p.get("Content-ID") or "").strip().strip("<>")
            attachments[cid] = p.get_payload(decode=True)
        return root, attachments
    return body, {}


def retrieved_documents(env, attachments):
    docs = []
    for r in env.iter("{%s}DocumentResponse" % XDS):
        uid = r.findtext("{%s}DocumentUniqueId" % XDS)
        d = r.find("{%s}Document" % XDS)
        inc = d.find("{%s}Include" % XOP)
        if inc is not None:
            cid = inc.get("href")[4:]
            content = attachments[cid]
            how = "mtom"
        else:
            content = base64.b64decode("".join(d.text.split()))
            how = "inline"
        docs.append({"uniqueId": uid, "mimeType": r.findtext("{%s}mimeType" % XDS), "transfer": how, "content_b64": base64.b64encode(content).decode("ascii")})
    return docs


def send(spec):
    pki = spec["pki"]
    country = spec.get("country", "DK")
    kind = spec["transaction"]
    message_id = spec.get("message_id") or "urn:uuid:" + str(uuid.uuid4())
    assertions = []
    if not spec.get("no_assertions"):
        hcp = dict(spec.get("hcp", {}))
        hcp.setdefault("service", spec.get("service", "xcpd"))
        h, hid = hcp_assertion(country, hcp)
        assertions.append(sign(h, hid, pki["saml_key"], pki["saml_cert"]))
        if spec.get("trc_patient"):
            name_id = hcp.get("name_id", "doctor-1@" + country)
            t, tid = trc_assertion(country, hid, name_id, spec["trc_patient"], hcp.get("purpose", "TREATMENT"))
            assertions.append(sign(t, tid, pki["saml_key"], pki["saml_cert"]))
    mtom = bool(spec.get("mtom"))
    parts = [] if mtom else None
    if "raw_body" in spec:
        body = etree.fromstring(spec["raw_body"].encode("utf-8"), PARSER)
    elif kind == "xdr":
        body = xdr_body(spec, parts)
    else:
        body = BODIES[kind](spec)
    env = envelope(spec.get("action") or ACTIONS[kind], message_id, body, assertions)
    if mtom:
        payload, ctype = mtom_package(env, parts)
    else:
        payload, ctype = env, 'application/soap+xml; charset=UTF-8; action="%s"' % ACTIONS[kind]
    if "raw_payload_b64" in spec:
        payload = base64.b64decode(spec["raw_payload_b64"])
        ctype = spec.get("content_type", ctype)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_verify_locations(spec["server_ca"])
    tls.load_cert_chain(pki["tls_cert"], pki["tls_key"])
    conn = http.client.HTTPSConnection(spec.get("host", "127.0.0.1"), spec["port"], context=tls, timeout=spec.get("timeout", 60))
    conn.request("POST", spec.get("path") or PATHS[kind], body=payload, headers={"Content-Type": ctype})
    res = conn.getresponse()
    raw = res.read()
    rtype = res.getheader("Content-Type", "")
    root, attachments = read_answer(rtype, raw)
    out = {"status": res.status, "content_type": rtype, "message_id": message_id, "envelope": root.decode("utf-8")}
    try:
        env_doc = etree.fromstring(root, PARSER)
        out["action"] = env_doc.findtext("{%s}Header/{%s}Action" % (SOAP, WSA))
        out["relates_to"] = env_doc.findtext("{%s}Header/{%s}RelatesTo" % (SOAP, WSA))
        out["documents"] = retrieved_documents(env_doc, attachments)
    except etree.XMLSyntaxError as e:
        out["parse_error"] = str(e)
    conn.close()
    return out


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "pki":
        print(json.dumps(make_pki(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) >= 3 and sys.argv[1] == "send":
        with open(sys.argv[2]) as f:
            spec = json.load(f)
        print(json.dumps(send(spec)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

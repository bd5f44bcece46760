// The SOAP client against a partner that misbehaves, over real mutual TLS (a dev PKI for us and one
// for the partner, the partner registered from a partners file): what is retried (TransientError),
// what is final (PasserelleError, the partner's BusinessError), and XCPD not resent once it left.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPartnersFile } from "../../src/exchange/partners/file";
import { PartnerRegistry } from "../../src/exchange/partners/registry";
import { BusinessError, TransientError, isTransient } from "../../src/exchange/queue/errors";
import { generateDevPki } from "../../src/ops/dev-pki";
import { ErrorCode, PasserelleError } from "../../src/shared/errors";
import { discoverPatients, findDocuments, retrieveDocument, submitDocument, type InitiatorCall } from "../../src/soap/client/initiators";
import { closePartnerConnections, type PartnerConnection } from "../../src/soap/client/transport";
import { buildResponseEnvelope, parseEnvelope, type SoapRequest } from "../../src/soap/envelope";
import { buildFault } from "../../src/soap/faults";
import { buildMtom, plainSoapBody, readSoapTransport } from "../../src/soap/mtom";
import { Actions } from "../../src/soap/namespaces";
import { buildAdhocQueryResponse } from "../../src/soap/xca/messages";
import { buildRetrieveResponse } from "../../src/soap/xca/retrieve";
import { buildXcpdResponse, parseXcpdQuery } from "../../src/soap/xcpd/messages";
import { buildRegistryResponse } from "../../src/soap/xdr/messages";

type Behaviour = (request: SoapRequest | undefined, res: ServerResponse, raw: { contentType: string | undefined; body: Buffer }) => void;

const PATIENT = { id: "1992031411227", oid: "1.3.182.2.12.10000734.6.1" };

describe("SOAP client: transport failures, partner errors, over mutual TLS", function () {
  this.timeout(60_000);
  let dir: string;
  let server: https.Server;
  let port: number;
  let behaviour: Behaviour;
  let received: number;
  let conn: PartnerConnection;
  const call = (over: Partial<InitiatorCall> = {}): InitiatorCall => ({ country: "LU", assertions: [], exchangeId: "x-test", timeoutMs: 1500, ...over });

  function registryFor(partnerPort: number): PartnerRegistry {
    const base = `https://localhost:${partnerPort}/ncp`;
    const file = join(dir, `partners-${partnerPort}.json`);
    writeFileSync(file, JSON.stringify({ partners: [{ country: "LU", homeCommunityId: "urn:oid:1.3.182.2.12.10000734", endpoints: { xcpd: `${base}/xcpd`, xca: `${base}/xca`, xdr: `${base}/xdr` }, tls: { ca: ["lu/ca.pem"] }, signing: { ca: ["lu/ca.pem"] } }] }));
    return new PartnerRegistry(readPartnersFile(file));
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "passerelle-client-"));
    generateDevPki({ dir: join(dir, "lu"), country: "LU" });
    generateDevPki({ dir: join(dir, "be"), country: "BE" });
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    server = https.createServer({ key: read("lu/tls-server.key.pem"), cert: read("lu/tls-server.pem"), ca: [read("be/ca.pem")], requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received++;
        const raw = { contentType: req.headers["content-type"], body: Buffer.concat(chunks) };
        let request: SoapRequest | undefined;
        try {
          request = parseEnvelope(readSoapTransport(raw.body, raw.contentType, { maxBytes: 1 << 24 }).envelope, { maxBytes: 1 << 24 });
        } catch {
          request = undefined;
        }
        behaviour(request, res, raw);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
    conn = { registry: registryFor(port), own: { keyPem: read("be/tls-client.key.pem"), certPem: read("be/tls-client.pem") } };
  });
  beforeEach(() => {
    received = 0;
  });
  after(async () => {
    closePartnerConnections(conn.registry);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const reply = (res: ServerResponse, request: SoapRequest, action: string, body: Parameters<typeof buildResponseEnvelope>[1], relatesTo = request.addressing.messageId) => {
    const http = plainSoapBody(buildResponseEnvelope({ action, relatesTo }, body));
    res.writeHead(200, { "content-type": http.contentType }).end(http.body);
  };
  const hang: Behaviour = () => undefined;

  it("XCPD: the patients of an OK answer, read from what we sent (ids, device ids, Action)", async () => {
    behaviour = (request, res) => {
      const q = parseXcpdQuery(request!.body);
      expect(request!.addressing.action).to.equal(Actions.xcpd.request);
      expect(q.receiverDeviceId).to.equal("1.3.182.2.12.10000734");
      expect(q.livingSubjectIds).to.deep.equal([{ root: "1.3.182.4.4", extension: PATIENT.id }]);
      const body = buildXcpdResponse({ query: q, ourDeviceId: "1.3.182.2.12.10000734", homeCommunityOid: "1.3.182.2.12.10000734", messageId: { root: "1.2.3" }, now: new Date() }, {
        kind: "found", patients: [{ ids: [{ system: PATIENT.oid, value: PATIENT.id }], names: [{ family: "Muller", given: ["Sophie"] }], gender: "female", birthDate: "1992-03-14", addresses: [] }],
      });
      reply(res, request!, Actions.xcpd.response, body);
    };
    const patients = await discoverPatients(conn, call(), { senderDeviceId: "2.16.56.1.1.1", ids: [{ root: "1.3.182.4.4", extension: PATIENT.id }] });
    expect(patients).to.have.length(1);
    expect(patients[0]).to.deep.include({ gender: "female", birthDate: "1992-03-14" });
    expect(patients[0]!.ids).to.deep.equal([{ system: PATIENT.oid, value: PATIENT.id }]);
  });

  it("XCPD sent but unanswered: TRANSPORT_FAILURE, not retried (sent: true)", async () => {
    behaviour = hang;
    const e = await discoverPatients(conn, call({ timeoutMs: 300 }), { senderDeviceId: "2.16.56.1.1.1", ids: [{ root: "1.3.182.4.4", extension: PATIENT.id }] }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(PasserelleError).and.not.instanceOf(TransientError);
    expect(isTransient(e)).to.equal(false);
    expect((e as PasserelleError).code).to.equal(ErrorCode.TransportFailure);
    expect((e as PasserelleError).details).to.include({ sent: true, networkCode: "ETIMEDOUT" });
    expect(received).to.equal(1);
  });

  it("XCPD sent then aborted by a shutdown: TransientError (the job goes back to the queue)", async () => {
    behaviour = hang;
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const e = await discoverPatients(conn, call({ signal: abort.signal }), { senderDeviceId: "2.16.56.1.1.1", ids: [{ root: "1.3.182.4.4", extension: PATIENT.id }] }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(TransientError);
    expect((e as TransientError).details).to.include({ sent: true, networkCode: "ECONNABORTED" });
  });

  it("a request in flight survives a registry reload (the partners module reloads every 30 s)", async () => {
    behaviour = (request, res) => setTimeout(() => reply(res, request!, Actions.xcaQuery.response, buildAdhocQueryResponse({ returnType: "LeafClass", entries: [], transforms: [] })), 300);
    const pending = findDocuments(conn, call(), { patient: PATIENT, documentClass: "ps" });
    await new Promise((r) => setTimeout(r, 100));
    conn.registry.replace(registryFor(port).all().map((p) => p.partner));
    expect(await pending).to.deep.equal([]);
  });

  it("XCA query sent but unanswered: TransientError (a read is safe to resend)", async () => {
    behaviour = hang;
    const e = await findDocuments(conn, call({ timeoutMs: 300 }), { patient: PATIENT, documentClass: "ps" }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(TransientError);
    expect((e as TransientError).details).to.include({ sent: true });
  });

  it("nobody listening: TransientError before anything was sent, for XCPD too", async () => {
    const probe = https.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const down: PartnerConnection = { ...conn, registry: registryFor(deadPort) };
    const e = await discoverPatients(down, call(), { senderDeviceId: "2.16.56.1.1.1", ids: [{ root: "1.3.182.4.4", extension: PATIENT.id }] }).catch((x: unknown) => x);
    closePartnerConnections(down.registry);
    expect(e).to.be.instanceOf(TransientError);
    expect((e as TransientError).details).to.include({ sent: false, networkCode: "ECONNREFUSED" });
  });

  it("HTTP 503 without SOAP and a SOAP Receiver fault: TransientError; a Sender fault: final", async () => {
    behaviour = (_q, res) => res.writeHead(503, { "content-type": "text/plain" }).end("busy");
    expect(await findDocuments(conn, call(), { patient: PATIENT, documentClass: "ps" }).catch((x: unknown) => x)).to.be.instanceOf(TransientError);
    for (const [code, transient] of [["Receiver", true], ["Sender", false]] as const) {
      behaviour = (request, res) => res.writeHead(code === "Receiver" ? 500 : 400, { "content-type": "application/soap+xml" }).end(buildFault({ code }, { reason: "no", relatesTo: request!.addressing.messageId }));
      const e = await findDocuments(conn, call(), { patient: PATIENT, documentClass: "ps" }).catch((x: unknown) => x);
      expect(isTransient(e), code).to.equal(transient);
      expect(String((e as Error).message)).to.contain(`SOAP fault ${code}`);
    }
  });

  it("an answer to another message (RelatesTo) or with another Action is refused, final", async () => {
    behaviour = (request, res) => reply(res, request!, Actions.xcaQuery.response, buildAdhocQueryResponse({ returnType: "LeafClass", entries: [], transforms: [] }), "urn:uuid:00000000-0000-4000-8000-000000000000");
    const e = await findDocuments(conn, call(), { patient: PATIENT, documentClass: "ps" }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(PasserelleError).and.not.instanceOf(TransientError);
    expect((e as PasserelleError).details).to.include({ reason: "addressing" });
    behaviour = (request, res) => reply(res, request!, Actions.xcaRetrieve.response, buildAdhocQueryResponse({ returnType: "LeafClass", entries: [], transforms: [] }));
    expect(((await findDocuments(conn, call(), { patient: PATIENT, documentClass: "ps" }).catch((x: unknown) => x)) as PasserelleError).details).to.include({ reason: "addressing" });
  });

  it("partner errors, string and numeric: BusinessError with the partner's code and the numeric one", async () => {
    behaviour = (request, res) => reply(res, request!, Actions.xcaQuery.response, buildAdhocQueryResponse({ returnType: "LeafClass", entries: [], transforms: [], errors: [{ errorCode: "ERROR_PS_NO_CONSENT", codeContext: "4701: no consent (opt-out)" }] }));
    const e = await findDocuments(conn, call(), { patient: PATIENT, documentClass: "ps" }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(BusinessError);
    expect((e as BusinessError).ehdsiCode).to.equal("ERROR_PS_NO_CONSENT");
    expect((e as BusinessError).details).to.include({ numericCode: "4701" });
    expect(isTransient(e)).to.equal(false);

    behaviour = (request, res) => reply(res, request!, Actions.xdr.response, buildRegistryResponse([{ errorCode: "4106", codeContext: "already dispensed" }]));
    const x = await submitDocument(conn, call(), { uniqueId: "2.16.56.1^ed-1", patient: PATIENT, intent: "dispense", sourceId: "2.16.56.1", submissionUniqueId: "2.25.1", languageCode: "nl-BE", content: Buffer.from("<ClinicalDocument/>") }).catch((y: unknown) => y);
    expect(x).to.be.instanceOf(BusinessError);
    expect((x as BusinessError).ehdsiCode).to.equal("4106");
    expect((x as BusinessError).details).to.include({ numericCode: "4106" });
  });

  it("retrieve: the document from an MTOM answer and from an inline one", async () => {
    const content = Buffer.from("<ClinicalDocument xmlns=\"urn:hl7-org:v3\"/>");
    for (const mtom of [true, false]) {
      behaviour = (request, res) => {
        const { body, attachments } = buildRetrieveResponse({ documents: [{ homeCommunityId: "urn:oid:1.3.182.2.12.10000734", repositoryUniqueId: "1.3.182.2.12.10000734", documentUniqueId: "1.2.3^doc", mimeType: "text/xml", content }], mtom });
        const envelope = buildResponseEnvelope({ action: Actions.xcaRetrieve.response, relatesTo: request!.addressing.messageId }, body);
        const http = mtom ? buildMtom(envelope, attachments) : plainSoapBody(envelope);
        res.writeHead(200, { "content-type": http.contentType }).end(http.body);
      };
      const got = await retrieveDocument(conn, call(), { homeCommunityId: "urn:oid:1.3.182.2.12.10000734", repositoryUniqueId: "1.3.182.2.12.10000734", documentUniqueId: "1.2.3^doc" });
      expect(got.mtom).to.equal(mtom);
      expect(got.content.equals(content)).to.equal(true);
    }
  });

  it("a server certificate the partner's TLS trust does not cover: TransientError, nothing received", async () => {
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    // The partner answers with OUR dev PKI's server certificate: not under LU's trust entry.
    const impostor = https.createServer({ key: read("be/tls-server.key.pem"), cert: read("be/tls-server.pem"), ca: [read("be/ca.pem")], requestCert: true }, (_req, res) => {
      received++;
      res.end();
    });
    await new Promise<void>((r) => impostor.listen(0, "127.0.0.1", r));
    const other: PartnerConnection = { ...conn, registry: registryFor((impostor.address() as AddressInfo).port) };
    const e = await findDocuments(other, call(), { patient: PATIENT, documentClass: "ps" }).catch((x: unknown) => x);
    closePartnerConnections(other.registry);
    impostor.closeAllConnections();
    await new Promise((r) => impostor.close(r));
    expect(e).to.be.instanceOf(TransientError);
    expect((e as TransientError).details).to.include({ sent: false });
    expect(received).to.equal(0);
  });

  it("the request carries the assertions verbatim in wsse:Security and WS-Addressing To = the endpoint", async () => {
    let seen: SoapRequest | undefined;
    behaviour = (request, res) => {
      seen = request;
      reply(res, request!, Actions.xdr.response, buildRegistryResponse([]));
    };
    const assertion = '<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1"><saml2:Issuer>x</saml2:Issuer></saml2:Assertion>';
    const status = await submitDocument(conn, call({ assertions: [assertion] }), { uniqueId: "2.16.56.1^ed-2", patient: PATIENT, intent: "dispense", sourceId: "2.16.56.1", submissionUniqueId: "2.25.2", languageCode: "nl-BE", content: Buffer.from("<ClinicalDocument/>") });
    expect(status).to.equal("success");
    expect(seen!.addressing.to).to.equal(`https://localhost:${port}/ncp/xdr`);
    expect(seen!.security).to.not.equal(undefined);
    expect(seen!.security!.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:assertion", "Assertion")).to.have.length(1);
  });
});

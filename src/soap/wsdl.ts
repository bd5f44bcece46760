// The project's own WSDLs (schemas/wsdl/), served at ?wsdl with the endpoint's real address.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { escapeAttr } from "../shared/xml";

export type WsdlService = "xcpd" | "xca" | "xdr";

export const WSDL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../schemas/wsdl");

const cache = new Map<WsdlService, string>();

/** The WSDL of a service with soap12:address/@location set to where it is served. */
export function servedWsdl(service: WsdlService, location: string): string {
  let text = cache.get(service);
  if (text === undefined) {
    text = readFileSync(resolve(WSDL_DIR, `${service}.wsdl`), "utf8");
    cache.set(service, text);
  }
  const address = /(<soap12:address location=")[^"]*(")/;
  if (!address.test(text)) throw new Error(`${service}.wsdl has no soap12:address`);
  return text.replace(address, (_m, open: string, close: string) => `${open}${escapeAttr(location)}${close}`);
}

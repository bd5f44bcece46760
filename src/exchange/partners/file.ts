// The partners file, read on start (config key for its path: see README.md beside this file).
//
// Format (JSON):
//   { "partners": [ {
//       "country": "DK",
//       "homeCommunityId": "urn:oid:1.2.208.176.7.2.1",
//       "endpoints": { "xcpd": "https://ncp.dk.example:8443/ncp/xcpd", "xca": "https://...", "xdr": "https://..." },
//       "tls":     { "ca": ["dk-tls-ca.pem"], "pinned": [] },
//       "signing": { "ca": [], "pinned": ["dk-saml-signer.pem"] }
//   } ] }
// Each certificate is either PEM text or a path to a PEM file, relative to the partners file.
// Loading upserts every partner listed (its trust entries are replaced by the file's); partners not in
// the file are left as they are (added with `passerelle partners add`).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { ErrorCode, PasserelleError } from "../../shared/errors";
import type { Partner, PartnerInput } from "./model";
import { checkPartnerInput, type PartnerRepository } from "./repository";

const fileSchema = z.object({ partners: z.array(z.unknown()) }).strict();

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new PasserelleError(ErrorCode.ConfigInvalid, `${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {}, { cause: e });
  }
}

/** PEM text as is, else a path relative to `baseDir` whose content is read. */
export function pemOrFile(value: string, baseDir: string, what: string): string {
  return value.includes("-----BEGIN ") ? value : readText(resolve(baseDir, value), what);
}

function resolveCertificates(entry: unknown, baseDir: string): unknown {
  if (typeof entry !== "object" || entry === null) return entry;
  const e = { ...(entry as Record<string, unknown>) };
  for (const usage of ["tls", "signing"]) {
    const block = e[usage];
    if (typeof block !== "object" || block === null) continue;
    const resolved: Record<string, unknown> = { ...(block as Record<string, unknown>) };
    for (const kind of ["ca", "pinned"]) {
      const list = resolved[kind];
      if (Array.isArray(list)) resolved[kind] = list.map((v) => (typeof v === "string" ? pemOrFile(v, baseDir, `${String(e.country)} ${usage}.${kind}`) : v));
    }
    e[usage] = resolved;
  }
  return e;
}

/** Reads and checks the whole file; every problem is reported at once (CONFIG_INVALID). */
export function readPartnersFile(path: string, at: Date = new Date()): Partner[] {
  let json: unknown;
  try {
    json = JSON.parse(readText(path, "partners file"));
  } catch (e) {
    if (e instanceof PasserelleError) throw e;
    throw new PasserelleError(ErrorCode.ConfigInvalid, `partners file ${path} is not JSON: ${(e as Error).message}`);
  }
  const top = fileSchema.safeParse(json);
  if (!top.success) throw new PasserelleError(ErrorCode.ConfigInvalid, `partners file ${path}: expected {"partners": [...]}`);
  const baseDir = dirname(resolve(path));
  const partners: Partner[] = [];
  const problems: string[] = [];
  top.data.partners.forEach((entry, i) => {
    try {
      partners.push(checkPartnerInput(resolveCertificates(entry, baseDir) as PartnerInput, at));
    } catch (e) {
      problems.push(`partners[${i}]: ${(e as Error).message}`);
    }
  });
  const countries = partners.map((p) => p.country);
  const dup = countries.find((c, i) => countries.indexOf(c) !== i);
  if (dup) problems.push(`country ${dup} listed twice`);
  if (problems.length > 0) throw new PasserelleError(ErrorCode.ConfigInvalid, `partners file ${path}: ${problems.join("; ")}`, { problems });
  return partners;
}

/** Reads the file and upserts its partners. Returns the countries loaded. */
export async function loadPartnersFile(path: string, repository: PartnerRepository, at: Date = new Date()): Promise<string[]> {
  const partners = readPartnersFile(path, at);
  for (const p of partners) await repository.save(p);
  return partners.map((p) => p.country);
}

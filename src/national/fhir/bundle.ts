// Reading a national FHIR bundle: size limit before parsing, JSON parsing with a precise error, and
// reference resolution by fullUrl, by `Type/id` (relative or absolute URL) and `#id` (contained).
import { ErrorCode, PasserelleError } from "../../shared/errors";
import { at, fhirError } from "./errors";
import type { FhirBundle, FhirReference, FhirResource } from "./types";

/** Largest national bundle accepted (bytes of JSON). A patient summary is a few hundred KB at most. */
export const MAX_NATIONAL_BUNDLE_BYTES = 8 * 1024 * 1024;

/** Parses bundle JSON text; refuses oversized input before parsing (INPUT_TOO_LARGE). */
export function parseBundleJson(input: string | Uint8Array): unknown {
  const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  if (size > MAX_NATIONAL_BUNDLE_BYTES) {
    throw new PasserelleError(
      ErrorCode.InputTooLarge,
      `national bundle is ${size} bytes, more than the ${MAX_NATIONAL_BUNDLE_BYTES} bytes accepted`,
      { size, limit: MAX_NATIONAL_BUNDLE_BYTES },
    );
  }
  const text = typeof input === "string" ? input : Buffer.from(input).toString("utf8");
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch (e) {
    throw new PasserelleError(ErrorCode.InputInvalid, `national bundle is not valid JSON: ${(e as Error).message}`, {
      location: "(bundle)",
    });
  }
}

export interface Located<T extends FhirResource = FhirResource> {
  resource: T;
  /** JSON location of the resource, e.g. `entry[3].resource` or `entry[3].resource.contained[0]`. */
  location: string;
  fullUrl?: string;
}

/** The entries of a (schema-valid) bundle, indexed for reference resolution. */
export class BundleIndex {
  readonly entries: Located[] = [];
  private readonly byFullUrl = new Map<string, Located>();
  private readonly byTypeId = new Map<string, Located>();

  constructor(readonly bundle: FhirBundle) {
    (bundle.entry ?? []).forEach((entry, i) => {
      const located: Located = { resource: entry.resource, location: at(at("entry", i), "resource") };
      if (entry.fullUrl !== undefined) located.fullUrl = entry.fullUrl;
      this.entries.push(located);
      if (entry.fullUrl !== undefined) {
        if (this.byFullUrl.has(entry.fullUrl)) throw fhirError(`fullUrl ${entry.fullUrl} appears twice in the bundle`, at(at("entry", i), "fullUrl"));
        this.byFullUrl.set(entry.fullUrl, located);
      }
      if (entry.resource.id !== undefined) {
        const key = `${entry.resource.resourceType}/${entry.resource.id}`;
        if (!this.byTypeId.has(key)) this.byTypeId.set(key, located);
      }
    });
  }

  ofType<T extends FhirResource = FhirResource>(resourceType: string): Located<T>[] {
    return this.entries.filter((e) => e.resource.resourceType === resourceType) as Located<T>[];
  }

  /**
   * The resource a reference points at, of one of the expected types. `from` is the referring
   * resource (for `#id` contained references); `location` is where the reference sits.
   */
  resolve(ref: FhirReference, expected: readonly string[] | "any", location: string, from?: Located): Located {
    const target = ref.reference;
    if (target === undefined) throw fhirError(`reference has no 'reference' (only ${JSON.stringify(ref.display ?? "")})`, location);
    let found: Located | undefined;
    if (target.startsWith("#")) {
      found = from ? containedOf(from).find((c) => c.resource.id === target.slice(1)) : undefined;
    } else {
      found = this.byFullUrl.get(target) ?? this.byTypeId.get(target);
      if (!found) {
        // Absolute RESTful URL: http://server/fhir/Patient/123 -> Patient/123.
        const m = /([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(target);
        if (m) found = this.byTypeId.get(`${m[1]}/${m[2]}`);
      }
    }
    if (!found) throw fhirError(`reference ${JSON.stringify(target)} does not resolve to a resource in the bundle`, at(location, "reference"));
    if (expected !== "any" && !expected.includes(found.resource.resourceType)) {
      throw fhirError(
        `reference ${JSON.stringify(target)} points at a ${found.resource.resourceType}, expected ${expected.join(" or ")}`,
        at(location, "reference"),
      );
    }
    return found;
  }
}

/** Contained resources of a located resource, with their own locations. */
export function containedOf(from: Located): Located[] {
  const contained = from.resource.contained;
  if (!Array.isArray(contained)) return [];
  return (contained as FhirResource[]).map((resource, i) => ({ resource, location: at(at(from.location, "contained"), i) }));
}

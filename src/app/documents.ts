// The document engine's inputs taken from the configuration: the terminology catalogue (the shipped
// demo catalogue, plus the operator's full MVC under PASSERELLE_EHDSI_DIR/mvc when present), the
// DocumentContext, the CDA schema (PASSERELLE_EHDSI_DIR/schema-cda/CDA_Pharma.xsd) and the seal key.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/schema";
import { loadCdaSchema, type CdaSchema } from "../documents/cda/schema";
import type { DocumentContext } from "../documents/context";
import { ErrorCode, PasserelleError } from "../shared/errors";
import { loadSigningKey, type SigningKey } from "../signing/keys";
import { loadCatalogue, type Catalogue } from "../terminology/catalogue";

/** Where the operator's MVC value sets are, when the eHDSI resources folder has them. */
export function mvcDirOf(config: Config): string | undefined {
  const dir = config.ehdsiDir ? join(config.ehdsiDir, "mvc") : undefined;
  return dir && existsSync(dir) ? dir : undefined;
}

export function terminologyFromConfig(config: Config): Catalogue {
  const mvcDir = mvcDirOf(config);
  return loadCatalogue(mvcDir ? { mvcDir } : {});
}

export function documentContextFromConfig(config: Config, terminology: Catalogue, now: () => Date = () => new Date()): DocumentContext {
  return {
    country: config.country,
    documentIdRoot: config.identifiers.documentIdRoot,
    custodian: {
      id: { system: config.custodian.oid, value: config.custodian.oid },
      name: config.custodian.name,
      ...(config.custodian.city ? { address: { lines: [], city: config.custodian.city, country: config.country } } : {}),
    },
    terminology,
    now,
  };
}

/** The eHDSI CDA schema; a clear configuration error when the operator has not provided it. */
export function cdaSchemaFromConfig(config: Config): CdaSchema {
  const xsd = config.ehdsiDir ? join(config.ehdsiDir, "schema-cda", "CDA_Pharma.xsd") : undefined;
  if (!xsd || !existsSync(xsd)) {
    throw new PasserelleError(
      ErrorCode.ConfigInvalid,
      `the eHDSI CDA schema is not available${xsd ? ` at ${xsd}` : ""}: set PASSERELLE_EHDSI_DIR to the folder holding schema-cda/CDA_Pharma.xsd`,
      { location: "PASSERELLE_EHDSI_DIR" },
    );
  }
  return loadCdaSchema(xsd);
}

export function sealKeyFromConfig(config: Config): SigningKey {
  return loadSigningKey(config.certsDir, "seal");
}

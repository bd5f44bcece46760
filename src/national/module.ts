// The national record system in the running gateway. In the embedded mode the national store lives
// in the gateway's database and is seeded with the demo patients of the configured country
// (src/national/demo/, src/national/demo/<CC>/), keyed by that country's patient identifier (patient-id.ts).
import type { GatewayModule } from "../app/module";
import { demoBundleDirOf, seedDemo } from "./demo";
import { EmbeddedNationalStore } from "./embedded-store";
import { nationalPatientIdRuleOf } from "./patient-id";

export const nationalModule: GatewayModule = {
  name: "national",
  async seedDemo(ctx) {
    const dir = demoBundleDirOf(ctx.config.country);
    if (!dir) {
      ctx.logger.info({ country: ctx.config.country }, "no demo national records for this country");
      return;
    }
    const results = await seedDemo(new EmbeddedNationalStore(ctx.database, { patientId: nationalPatientIdRuleOf(ctx.config) }), dir);
    ctx.logger.info({ imported: results.length, country: ctx.config.country }, "demo national records seeded");
  },
};

// The national record system in the running gateway. In the embedded mode the national store lives
// in the gateway's database and is seeded with the demo patients (src/national/demo/).
import type { GatewayModule } from "../app/module";
import { seedDemo } from "./demo";
import { EmbeddedNationalStore } from "./embedded-store";

export const nationalModule: GatewayModule = {
  name: "national",
  async seedDemo(ctx) {
    const results = await seedDemo(new EmbeddedNationalStore(ctx.database));
    ctx.logger.info({ imported: results.length }, "demo national records seeded");
  },
};

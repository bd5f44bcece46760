// Every domain's migrations, in one list. To add yours: export `const <domain>Migrations:
// readonly DomainMigration[]` from src/<domain>/migrations.ts and add ONE import line and ONE spread
// below (order here does not matter: the runner orders migrations by their timestamped names).
import type { DomainMigration } from "./migrations";
import { platformMigrations } from "./platform-migrations";
import { consentMigrations } from "../consent/migrations";
import { nationalMigrations } from "../national/migrations";
import { partnerMigrations } from "../exchange/partners/migrations";
import { samlMigrations } from "../saml/migrations";
import { auditMigrations } from "../audit/migrations";
import { exchangeQueueMigrations } from "../exchange/queue/migrations";
import { countryAMigrations } from "../country-a/migrations";
import { nationalClientMigrations } from "../api/migrations";
import { operatorMigrations } from "../ops/operators/migrations";

export const ALL_MIGRATIONS: readonly DomainMigration[] = [
  ...platformMigrations,
  ...consentMigrations,
  ...nationalMigrations,
  ...partnerMigrations,
  ...samlMigrations,
  ...auditMigrations,
  ...exchangeQueueMigrations,
  ...countryAMigrations,
  ...nationalClientMigrations,
  ...operatorMigrations,
];

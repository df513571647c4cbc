// Resolves [health] and the health_* overrides of a [[service]]; gives a service's check settings.

import type { SERVICE_FIELDS } from "./defaults.ts";
import type { FieldReader } from "./field-reader.ts";
import { HEALTH_FIELDS } from "./health-fields.ts";
import type { HealthCheck, HealthCheckType, HealthConfig, ServiceOverride } from "./schema.ts";
import { type ResolveContext, sectionReader } from "./section-reader.ts";

/** The `health_*` part of a ServiceOverride. */
export type ServiceHealthOverride = Pick<
  ServiceOverride,
  | "healthType"
  | "healthPath"
  | "healthHost"
  | "healthExpectStatus"
  | "healthIntervalMs"
  | "healthTimeoutMs"
  | "healthRise"
  | "healthFall"
>;

/** The [health] section of the file in `context`, with defaults filled in. */
export function resolveHealth(context: ResolveContext): HealthConfig {
  const fields = sectionReader(context, "health", HEALTH_FIELDS);
  const health: HealthConfig = {
    enabled: fields.boolean("enabled"),
    type: fields.choice("type"),
    path: fields.string("path"),
    host: fields.string("host"),
    expectStatus: fields.string("expect_status"),
    intervalMs: fields.duration("interval"),
    timeoutMs: fields.duration("timeout"),
    rise: fields.integer("rise"),
    fall: fields.integer("fall"),
    jitter: fields.integer("jitter"),
    removeAfterMs: fields.duration("remove_after"),
    maxEjectionPercent: fields.integer("max_ejection_percent"),
    panicThreshold: fields.integer("panic_threshold"),
    leaderTtlMs: fields.duration("leader_ttl"),
  };
  fields.check(
    "timeout",
    health.timeoutMs <= health.intervalMs,
    "must not be longer than interval",
  );
  fields.check(
    "leader_ttl",
    health.leaderTtlMs % 1000 === 0,
    "must be whole seconds (etcd leases count seconds)",
  );
  const downAfterMs = health.fall * health.intervalMs;
  fields.check(
    "remove_after",
    health.removeAfterMs === 0 || health.removeAfterMs >= downAfterMs,
    `must be "0s" or at least fall × interval (${downAfterMs}ms: a server is not down sooner)`,
  );
  fields.rejectUnknown();
  return health;
}

/** The health_* fields of one [[service]]; the timeout it ends up with must fit its interval. */
export function resolveServiceHealth(
  fields: FieldReader<typeof SERVICE_FIELDS>,
  health: HealthConfig,
): ServiceHealthOverride {
  const type = fields.optionalString("health_type");
  fields.check(
    "health_type",
    type === undefined || type === "tcp" || type === "http",
    `must be one of "tcp", "http", got "${type}"`,
  );
  const override: ServiceHealthOverride = {
    healthType: type as HealthCheckType | undefined,
    healthPath: fields.optionalString("health_path"),
    healthHost: fields.optionalString("health_host"),
    healthExpectStatus: fields.optionalString("health_expect_status"),
    healthIntervalMs: fields.optionalDuration("health_interval"),
    healthTimeoutMs: fields.optionalDuration("health_timeout"),
    healthRise: fields.optionalInteger("health_rise"),
    healthFall: fields.optionalInteger("health_fall"),
  };
  const check = serviceHealthCheck(health, override);
  const timeoutField =
    override.healthTimeoutMs === undefined ? "health_interval" : "health_timeout";
  fields.check(
    timeoutField,
    check.timeoutMs <= check.intervalMs,
    `the check timeout (${check.timeoutMs}ms) must not be longer than its interval (${check.intervalMs}ms)`,
  );
  return dropUnset(override);
}

/** The check settings of a service: `[health]`'s, with the service's overrides applied. Pure. */
export function serviceHealthCheck(
  health: HealthConfig,
  override: ServiceHealthOverride | undefined,
): HealthCheck {
  return {
    type: override?.healthType ?? health.type,
    path: override?.healthPath ?? health.path,
    host: override?.healthHost ?? health.host,
    expectStatus: override?.healthExpectStatus ?? health.expectStatus,
    intervalMs: override?.healthIntervalMs ?? health.intervalMs,
    timeoutMs: override?.healthTimeoutMs ?? health.timeoutMs,
    rise: override?.healthRise ?? health.rise,
    fall: override?.healthFall ?? health.fall,
  };
}

/** `override` without its undefined properties, so resolved configs compare cleanly. */
function dropUnset(override: ServiceHealthOverride): ServiceHealthOverride {
  return Object.fromEntries(
    Object.entries(override).filter(([, value]) => value !== undefined),
  ) as ServiceHealthOverride;
}

/** [health] with every default, as an empty file resolves it. */
export function defaultHealthConfig(): HealthConfig {
  return resolveHealth({ root: {}, locate: (section) => section, baseDir: "/" });
}

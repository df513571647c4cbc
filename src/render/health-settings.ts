// What templates see of [health]: `health` (HAProxy's check defaults) and each `service.health`
// (its check with the service's overrides). Values come from sluice.toml only, never from etcd,
// and resolve-health.ts has checked that each fits in a haproxy.cfg word. Pure.

import { defaultHealthConfig, serviceHealthCheck } from "../config/resolve-health.ts";
import type { HealthCheck, HealthConfig, ServiceOverride } from "../config/schema.ts";

/** The [health] part of the render settings. */
export type HealthSettings = {
  enabled: boolean;
  /** HAProxy `spread-checks`, percent. */
  jitter: number;
  /** The check of a service without overrides. */
  check: HealthCheck;
  /** The check of each service that has `health_*` overrides, by name. */
  services: Record<string, HealthCheck>;
};

/** A check as a template sees it: durations as HAProxy time values (`"2s"`, `"500ms"`). */
export type TemplateHealthCheck = {
  type: string;
  path: string;
  host: string;
  expect_status: string;
  interval: string;
  timeout: string;
  rise: number;
  fall: number;
};

/** `health` in a template: the defaults every server gets, and whether checks run at all. */
export type TemplateHealth = TemplateHealthCheck & { enabled: boolean; jitter: number };

/** The health settings of `[health]` and the `[[service]]` overrides. */
export function healthSettings(
  health: HealthConfig,
  overrides: readonly ServiceOverride[],
): HealthSettings {
  const services: Record<string, HealthCheck> = {};
  for (const override of overrides) services[override.name] = serviceHealthCheck(health, override);
  return {
    enabled: health.enabled,
    jitter: health.jitter,
    check: serviceHealthCheck(health, undefined),
    services,
  };
}

/** [health] as the defaults table has it, for renders made without a config (tests, offline). */
export const DEFAULT_HEALTH_SETTINGS: HealthSettings = healthSettings(defaultHealthConfig(), []);

/** A duration as HAProxy reads it: whole seconds as `"2s"`, else milliseconds. */
export function haproxyTime(milliseconds: number): string {
  return milliseconds % 1000 === 0 ? `${milliseconds / 1000}s` : `${milliseconds}ms`;
}

/** `check` as a template sees it. */
export function templateCheck(check: HealthCheck): TemplateHealthCheck {
  return {
    type: check.type,
    path: check.path,
    host: check.host,
    expect_status: check.expectStatus,
    interval: haproxyTime(check.intervalMs),
    timeout: haproxyTime(check.timeoutMs),
    rise: check.rise,
    fall: check.fall,
  };
}

/** The `health` template variable. */
export function templateHealth(settings: HealthSettings): TemplateHealth {
  return { ...templateCheck(settings.check), enabled: settings.enabled, jitter: settings.jitter };
}

/** `service.health` for the service named `name`. */
export function templateServiceCheck(settings: HealthSettings, name: string): TemplateHealthCheck {
  return templateCheck(settings.services[name] ?? settings.check);
}

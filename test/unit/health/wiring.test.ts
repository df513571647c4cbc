import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { pollInterval } from "../../../src/health/wiring.ts";

const poll = (lines: string[]) => pollInterval(parseConfigText(lines.join("\n"), "x.toml"));

describe("how often the monitor polls", () => {
  test("every second at most, sooner when a check interval is shorter", () => {
    expect(poll([])).toBe(1000);
    expect(poll(["[health]", 'interval = "500ms"', 'timeout = "200ms"'])).toBe(500);
    expect(poll(["[health]", 'interval = "10s"'])).toBe(1000);
    const override = [
      "[[service]]",
      'name = "web"',
      'health_interval = "300ms"',
      'health_timeout = "100ms"',
    ];
    expect(poll(override)).toBe(300);
  });
});

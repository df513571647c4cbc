// haproxy.trusted_prefixes: the main template's lookups see raw values under them, while
// `services` keeps only validated registrations.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/load.ts";
import { createRenderPipeline } from "../../src/pipeline.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const TEMPLATE = [
  'maxconn {{ "/config/maxconn" | getv: "none" }}',
  'outside {{ "/other/secret" | getv: "none" }}',
  'listed {{ "/config" | ls | join: "," }}',
  "services {{ services | size }}",
  "",
].join("\n");

function pipelineWith(haproxyLines: string) {
  dir = mkdtempSync(join(tmpdir(), "sluice-trusted-"));
  writeFileSync(join(dir, "t.liquid"), TEMPLATE);
  const file = join(dir, "sluice.toml");
  const config = parseConfigText(`[haproxy]\ntemplate = "t.liquid"\n${haproxyLines}\n`, file);
  return createRenderPipeline(config);
}

const KVS = [
  { key: "/apps/web/a", value: "web-a 10.0.0.1:80" },
  { key: "/config/maxconn", value: "2000" },
  { key: "/config/hosts/a", value: "x y z" },
  { key: "/other/secret", value: "s3cret" },
];

describe("trusted prefixes in the main template", () => {
  test("a raw value under a trusted prefix is visible to getv and ls; one outside is not", () => {
    const { text, model } = pipelineWith('trusted_prefixes = ["/config/"]').renderKeys(KVS, 7);
    expect(text).toContain("maxconn 2000\n");
    expect(text).toContain("outside none\n");
    expect(text).toContain("listed hosts,maxconn\n");
    // The trusted keys are no registrations: the model holds only the one under /apps/.
    expect(text).toContain("services 1\n");
    expect(model.services.map((service) => service.name)).toEqual(["web"]);
    expect(model.rejected).toEqual([]);
  });

  test("without trusted prefixes, raw values stay invisible", () => {
    const { text } = pipelineWith("").renderKeys(KVS, 7);
    expect(text).toContain("maxconn none\n");
    expect(text).toContain("listed \n");
  });
});

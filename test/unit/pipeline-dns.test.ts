// DNS lookups in the main template: one cache per pipeline, and offline renders that settle the
// names the template asked for, so the text has their answers.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDnsCache, type DnsResolver } from "../../src/confd/dns.ts";
import { parseConfigText } from "../../src/config/load.ts";
import { createRenderPipeline } from "../../src/pipeline.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A resolver with changeable answers that records its queries. */
function fakeResolver(answers: Record<string, string[]>) {
  const queries: string[] = [];
  const resolver: DnsResolver = {
    async lookupAddresses(name) {
      queries.push(name);
      const found = answers[name];
      if (!found) throw new Error("ENOTFOUND");
      return found.map((address) => ({ address, family: 4 }));
    },
    async lookupSrv() {
      throw new Error("ENOTFOUND");
    },
  };
  return { resolver, queries, answers };
}

function pipelineWith(template: string, answers: Record<string, string[]>) {
  dir = mkdtempSync(join(tmpdir(), "sluice-pipeline-dns-"));
  writeFileSync(join(dir, "t.liquid"), template);
  const config = parseConfigText('[haproxy]\ntemplate = "t.liquid"\n', join(dir, "sluice.toml"));
  const fake = fakeResolver(answers);
  return { pipeline: createRenderPipeline(config, { dns: createDnsCache(fake) }), fake };
}

const DNS_TEMPLATE = [
  '{% assign ips = "db.test" | lookupIPV4 %}',
  "server db {{ ips | first }}:5432",
  // A name that depends on another's answer takes one more render.
  '{% assign next = ips | first | append: ".in-addr.test" | lookupIPV4 %}',
  "server reverse {{ next | join: ',' }}",
  "",
].join("\n");

describe("DNS lookups in the main template", () => {
  test("a synchronous render gives no answer yet; a settled render has them all", async () => {
    const { pipeline, fake } = pipelineWith(DNS_TEMPLATE, {
      "db.test": ["10.0.0.5"],
      "10.0.0.5.in-addr.test": ["10.9.9.9"],
    });
    expect(pipeline.renderKeys([], 1).text).toContain("server db :5432\n");
    const { text } = await pipeline.renderKeysSettled([], 1);
    expect(text).toContain("server db 10.0.0.5:5432\n");
    expect(text).toContain("server reverse 10.9.9.9\n");
    expect(pipeline.dnsPending()).toBe(false);
    // The cache is the pipeline's: a later render answers without asking again.
    const asked = fake.queries.length;
    expect(pipeline.renderKeys([], 2).text).toContain("server db 10.0.0.5:5432\n");
    expect(fake.queries.length).toBe(asked);
  });

  test("names with no answer are asked once, and the render ends", async () => {
    const { pipeline, fake } = pipelineWith(DNS_TEMPLATE, {});
    const { text } = await pipeline.renderKeysSettled([], 1);
    expect(text).toContain("server db :5432\n");
    expect(fake.queries).toEqual(["db.test", ".in-addr.test"]);
  });

  test("refreshDns resolves the used names again and reports a changed answer", async () => {
    const { pipeline, fake } = pipelineWith(DNS_TEMPLATE, { "db.test": ["10.0.0.5"] });
    await pipeline.renderKeysSettled([], 1);
    expect(await pipeline.refreshDns()).toBe(false);
    fake.answers["db.test"] = ["10.0.0.6"];
    expect(await pipeline.refreshDns()).toBe(true);
    expect(pipeline.renderKeys([], 2).text).toContain("server db 10.0.0.6:5432\n");
  });

  test("a template without lookups settles nothing and asks nothing", async () => {
    const { pipeline, fake } = pipelineWith("global\n", {});
    expect((await pipeline.renderKeysSettled([], 1)).text).toContain("global\n");
    expect(pipeline.dnsPending()).toBe(false);
    expect(await pipeline.refreshDns()).toBe(false);
    expect(fake.queries).toEqual([]);
  });
});

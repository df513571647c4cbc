// `lbctl completion bash`, sourced in a real bash: it registers _lbctl, completes commands and
// each command's flags from the commands' data, and asks the daemon (lbctl services --json /
// backends SVC --json, with the --admin/--config of the line) for service and backend names.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMANDS } from "../../../src/cli/commands.ts";
import { runLbctl } from "../../helpers/cli.ts";
import { WEB } from "./fixtures.ts";

const script = (await runLbctl(["completion", "bash"])).out;

/**
 * Runs `_lbctl` in bash for the words `line` (the last one is being completed), with `lbctl` a
 * function printing what the daemon would; returns COMPREPLY and the calls made to lbctl.
 */
function complete(line: string[]): { replies: string[]; calls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "sluice-completion-"));
  try {
    writeFileSync(join(dir, "completion.bash"), script);
    writeFileSync(
      join(dir, "services.json"),
      `${JSON.stringify([WEB, { ...WEB, name: "api" }], null, 2)}\n`,
    );
    writeFileSync(join(dir, "web.json"), `${JSON.stringify(WEB, null, 2)}\n`);
    const words = line.map((word) => `'${word}'`).join(" ");
    const program = `
      source ${dir}/completion.bash
      lbctl() {
        echo "$*" >>${dir}/calls
        case "$1" in services) cat ${dir}/services.json ;; backends) cat ${dir}/web.json ;; esac
      }
      COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}
      _lbctl
      printf '%s\\n' "\${COMPREPLY[@]}"
      echo ---; cat ${dir}/calls 2>/dev/null; true`;
    const result = Bun.spawnSync(["bash", "--norc", "-c", program], { stderr: "pipe" });
    expect(result.stderr.toString()).toBe("");
    const [replies, calls] = result.stdout.toString().split("---\n") as [string, string];
    const lines = (text: string) => text.split("\n").filter((entry) => entry !== "");
    return { replies: lines(replies), calls: lines(calls) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("lbctl completion bash", () => {
  test("sourcing it registers _lbctl for lbctl", () => {
    const result = Bun.spawnSync(["bash", "--norc", "-c", `${script}\ncomplete -p lbctl`]);
    expect(result.stdout.toString()).toBe("complete -F _lbctl lbctl\n");
  });

  test("the first word completes to every command", () => {
    expect(complete(["lbctl", ""]).replies.sort()).toEqual(Object.keys(COMMANDS).sort());
    expect(complete(["lbctl", "st"]).replies).toEqual(["status"]);
    expect(complete(["lbctl", "re"]).replies.sort()).toEqual([
      "ready",
      "register",
      "reload",
      "render",
    ]);
  });

  test("a dash completes the command's own flags", () => {
    expect(complete(["lbctl", "plan", "--"]).replies.sort()).toEqual(
      ["--admin", "--config", "--diff", "--json", "--token-file"].sort(),
    );
    expect(complete(["lbctl", "events", "--l"]).replies).toEqual(["--limit"]);
  });

  test("backends and drain complete service names from lbctl services --json", () => {
    const { replies, calls } = complete(["lbctl", "backends", "--admin", "http://h:1", ""]);
    expect(replies.sort()).toEqual(["api", "web"]);
    expect(calls).toEqual(["services --admin http://h:1 --json"]);
    expect(complete(["lbctl", "drain", "a"]).replies).toEqual(["api"]);
  });

  test("drain SVC completes SVC's backend names from lbctl backends SVC --json", () => {
    const { replies, calls } = complete(["lbctl", "drain", "--json", "web", "web-2"]);
    expect(replies).toEqual(["web-22"]);
    expect(calls).toEqual(["backends web --json"]);
    expect(complete(["lbctl", "backends", "web", ""]).replies).toEqual([]);
  });

  test("file flags complete file names; completion completes bash", () => {
    expect(complete(["lbctl", "render", "--snapshot", "/etc/host"]).replies).toContain(
      "/etc/hosts",
    );
    expect(complete(["lbctl", "completion", ""]).replies).toEqual(["bash"]);
  });
});

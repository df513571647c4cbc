import { describe, expect, test } from "bun:test";
import { withOverrideStates } from "../../../src/overrides/server-state.ts";

const HEADER =
  "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight";
const row = (name: string, admin: number) => `4 web 1 ${name} 127.0.0.1 2 ${admin} 1 1 0`;

describe("withOverrideStates", () => {
  test("sets the forced bits of occupied slots to their override, clears lifted ones", () => {
    const dump = [HEADER, row("a", 0), row("b", 8), row("c", 1 | 4), row(".spare1", 5), ""].join(
      "\n",
    );
    const states: Record<string, "drain" | "maint" | "ready"> = {
      a: "drain",
      b: "ready",
      c: "maint",
    };
    const out = withOverrideStates(dump, (backend, name) =>
      backend === "web" ? states[name] : undefined,
    );
    expect(out).toBe(
      // c keeps bit 4 (rendered `disabled`); a free slot is left alone.
      [HEADER, row("a", 8), row("b", 0), row("c", 5), row(".spare1", 5), ""].join("\n"),
    );
  });
});

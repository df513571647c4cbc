// The version printed by `lbctl version` and reported in status.
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

// The default haproxy.cfg template, embedded in the executable.

import text from "../../templates/haproxy.cfg.liquid" with { type: "text" };

export const DEFAULT_TEMPLATE: string = text;

// Flattens a parsed key file into etcd-style keys, as confd's file backend does. Pure.

/**
 * The keys of a parsed document: nested maps join with `/` (cleaned like Go's `path.Join`, so a
 * map key `"/apps/web/1"` stays as it is), arrays give their indexes as segments, scalars become
 * strings (numbers as Go's `strconv.FormatFloat(f, 'f', -1, 64)`, booleans `true`/`false`), and
 * nulls give no key. Where two paths clean to the same key the later one wins. Sorted by key.
 * Throws when the top level is not a map.
 */
export function flattenKeys(document: unknown): { key: string; value: string }[] {
  if (document === null || document === undefined) return [];
  if (!isMap(document)) throw new TypeError("the top level must be a map of keys");
  const values = new Map<string, string>();
  walk(document, "/", values);
  return [...values]
    .map(([key, value]) => ({ key, value }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !isDate(value);
}

function isDate(value: unknown): value is Date {
  return value instanceof Date;
}

function walk(node: unknown, key: string, values: Map<string, string>): void {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) walk(item, joinKey(key, String(index)), values);
  } else if (isMap(node)) {
    for (const [name, child] of Object.entries(node)) walk(child, joinKey(key, name), values);
  } else {
    const text = scalarText(node);
    if (text !== undefined) values.set(key, text);
  }
}

/** A scalar as confd writes it; undefined for null. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return formatGoFloat(value);
  if (typeof value === "bigint") return value.toString();
  // TOML dates keep the form they were written in (smol-toml's TomlDate prints it).
  if (isDate(value)) return value.toISOString();
  return undefined;
}

/** `base` joined with `name`, cleaned as Go's `path.Join` cleans (no `.`, `..` or `//`). */
export function joinKey(base: string, name: string): string {
  const segments: string[] = [];
  for (const segment of `${base}/${name}`.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

/** A number as Go's `strconv.FormatFloat(value, 'f', -1, 64)`: the shortest digits that read
 * back as the same number, never in exponent form (1e21 is "1000000000000000000000"). */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const sign = value < 0 ? "-" : "";
  // toExponential() without digits gives the shortest round-trip digits: "1.2345e+3".
  const [mantissa = "", exponentText = "0"] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1)
    return `${sign}${digits}${"0".repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

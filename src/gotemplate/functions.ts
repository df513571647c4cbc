// The functions a confd template may call: their Liquid filter (Contract 1), arity and result kind.

/**
 * What the converter knows statically about a value: whether it prints as itself (`string`),
 * what a range over it yields, and which fields it has.
 */
export type Kind =
  | "string"
  | "stringList"
  | "kv"
  | "kvList"
  | "srv"
  | "srvList"
  | "time"
  | "int"
  | "intList"
  | "bool"
  | "nil"
  | "unknown";

/** How one Go function is converted. */
export type FunctionSpec = {
  /** The Liquid filter that implements it. */
  filter: string;
  /** Fewest and most arguments; `max` undefined = any number. */
  min: number;
  max?: number;
  /** The kind of the result; "input" = the kind of the first argument. */
  result: Kind | "input";
  /** Its first argument is a key or key pattern (confd's `prefix` applies). */
  key?: boolean;
};

function spec(
  filter: string,
  min: number,
  max: number | undefined,
  result: Kind | "input",
  key?: boolean,
): FunctionSpec {
  return { filter, min, max, result, key };
}

/** confd's functions and Go's built-ins, by their Go name. `call` is left out: it needs Go funcs. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map([
  ["getv", spec("getv", 1, 2, "string", true)],
  ["getvs", spec("getvs", 1, 1, "stringList", true)],
  ["get", spec("get", 1, 1, "kv", true)],
  ["gets", spec("gets", 1, 1, "kvList", true)],
  ["ls", spec("ls", 1, 1, "stringList", true)],
  ["lsdir", spec("lsdir", 1, 1, "stringList", true)],
  ["exists", spec("exists", 1, 1, "bool", true)],
  ["json", spec("go_json", 1, 1, "unknown")],
  ["jsonArray", spec("jsonArray", 1, 1, "unknown")],
  ["map", spec("go_map", 0, undefined, "unknown")],
  ["base", spec("base", 1, 1, "string")],
  ["dir", spec("dir", 1, 1, "string")],
  ["split", spec("go_split", 2, 2, "stringList")],
  ["join", spec("go_join", 2, 2, "string")],
  ["toUpper", spec("toUpper", 1, 1, "string")],
  ["toLower", spec("toLower", 1, 1, "string")],
  ["replace", spec("go_replace", 4, 4, "string")],
  ["contains", spec("contains", 2, 2, "bool")],
  ["trimSuffix", spec("trimSuffix", 2, 2, "string")],
  ["base64Encode", spec("base64Encode", 1, 1, "string")],
  ["base64Decode", spec("base64Decode", 1, 1, "string")],
  ["parseBool", spec("parseBool", 1, 1, "bool")],
  ["getenv", spec("getenv", 1, 2, "string")],
  ["fileExists", spec("fileExists", 1, 1, "bool")],
  ["datetime", spec("datetime", 0, 0, "time")],
  ["atoi", spec("atoi", 1, 1, "int")],
  ["seq", spec("seq", 2, 2, "intList")],
  ["add", spec("add", 2, 2, "int")],
  ["sub", spec("sub", 2, 2, "int")],
  ["mul", spec("mul", 2, 2, "int")],
  ["div", spec("div", 2, 2, "int")],
  ["mod", spec("mod", 2, 2, "int")],
  ["reverse", spec("go_reverse", 1, 1, "input")],
  ["sortByLength", spec("sortByLength", 1, 1, "stringList")],
  ["sortKVByLength", spec("sortKVByLength", 1, 1, "kvList")],
  ["lookupIP", spec("lookupIP", 1, 1, "stringList")],
  ["lookupIPV4", spec("lookupIPV4", 1, 1, "stringList")],
  ["lookupIPV6", spec("lookupIPV6", 1, 1, "stringList")],
  ["lookupSRV", spec("lookupSRV", 3, 3, "srvList")],
  ["and", spec("and", 1, undefined, "unknown")],
  ["or", spec("or", 1, undefined, "unknown")],
  ["not", spec("not", 1, 1, "bool")],
  ["eq", spec("eq", 2, undefined, "bool")],
  ["ne", spec("ne", 2, 2, "bool")],
  ["lt", spec("lt", 2, 2, "bool")],
  ["le", spec("le", 2, 2, "bool")],
  ["gt", spec("gt", 2, 2, "bool")],
  ["ge", spec("ge", 2, 2, "bool")],
  ["len", spec("len", 1, 1, "int")],
  ["index", spec("index", 1, undefined, "unknown")],
  ["slice", spec("go_slice", 1, 4, "unknown")],
  ["print", spec("print", 0, undefined, "string")],
  ["printf", spec("printf", 1, undefined, "string")],
  ["println", spec("println", 0, undefined, "string")],
  ["html", spec("html", 0, undefined, "string")],
  ["js", spec("js", 0, undefined, "string")],
  ["urlquery", spec("urlquery", 0, undefined, "string")],
]);

/** Names the parser accepts as functions: the table and `call` (reported when converted). */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set([...FUNCTIONS.keys(), "call"]);

/** The fields of a struct kind and their kinds; a kind not here is a map (or unknown). */
export const STRUCT_FIELDS: Partial<Record<Kind, Record<string, Kind>>> = {
  kv: { Key: "string", Value: "string" },
  srv: { Target: "string", Port: "int", Priority: "int", Weight: "int" },
};

/** The kind of one element of a range over a value of `kind`. */
export const ELEMENT_KIND: Partial<Record<Kind, Kind>> = {
  stringList: "string",
  kvList: "kv",
  srvList: "srv",
  intList: "int",
};

/**
 * Kinds whose printed form no filter can give: `*net.SRV` prints as a pointer address, and a
 * time as `time.Now().String()` does, with nanoseconds and the monotonic clock reading.
 */
export const UNPRINTABLE: Partial<Record<Kind, string>> = {
  srv: "Go prints a *net.SRV as its address",
  srvList: "Go prints *net.SRV values as their addresses",
  time: "Go prints time.Now() with nanoseconds and the monotonic clock (m=+…); use .Format",
};

// HAProxy's check statuses: the codes `show servers state` gives, with the names and descriptions
// `show stat` prints, and the detail of one server's last check from `show stat`. Pure.

/** `HCHK_STATUS_*` by code (HAProxy's include/haproxy/check-t.h, unchanged from 2.0 to 3.x). */
const CHECK_STATUSES: readonly (readonly [string, string])[] = [
  ["UNK", "Unknown"],
  ["INI", "Initializing"],
  ["START", "Check started"],
  ["CHECKED", "No status change"],
  ["HANA", "Health analyze"],
  ["SOCKERR", "Socket error"],
  ["L4OK", "Layer4 check passed"],
  ["L4TOUT", "Layer4 timeout"],
  ["L4CON", "Layer4 connection problem"],
  ["L6OK", "Layer6 check passed"],
  ["L6TOUT", "Layer6 timeout"],
  ["L6RSP", "Layer6 invalid response"],
  ["L7TOUT", "Layer7 timeout"],
  ["L7RSP", "Layer7 invalid response"],
  ["L57DATA", "Layer5-7 data"],
  ["L7OK", "Layer7 check passed"],
  ["L7OKC", "Layer7 check conditionally passed"],
  ["L7STS", "Layer7 wrong status"],
  ["PROCERR", "External check error"],
  ["PROCTOUT", "External check timeout"],
  ["PROCOK", "External check passed"],
];

/** `"L4CON Layer4 connection problem"` for code 8; the code itself when unknown. */
export function describeCheckStatus(code: number): string {
  const status = CHECK_STATUSES[code];
  return status ? `${status[0]} ${status[1]}` : `check status ${code}`;
}

/** The columns of one `show stat` server line that say why its last check failed. */
export type CheckDetail = {
  backend: string;
  name: string;
  /** `"L4CON"`, `"L7STS"`, ... */
  status: string;
  /** The HTTP status an L7 check got (`"500"`); `""` for others. */
  code: string;
  /** What the check saw: `"Connection refused"`, `"HTTP status check returned code <500>"`. */
  info: string;
  /** HAProxy's description of the status: `"Layer4 connection problem"`. */
  description: string;
};

/** The server lines of a `show stat` CSV reply (header `# pxname,svname,...`). */
export function parseCheckDetails(text: string): CheckDetail[] {
  const lines = text.split("\n");
  const header = lines
    .find((line) => line.startsWith("# pxname"))
    ?.replace(/^#\s*/, "")
    .split(",");
  if (!header) return [];
  const at = (name: string) => header.indexOf(name);
  const [status, code, info] = [at("check_status"), at("check_code"), at("last_chk")];
  const description = at("check_desc");
  const details: CheckDetail[] = [];
  for (const line of lines) {
    if (line === "" || line.startsWith("#")) continue;
    const fields = splitCsvLine(line);
    if (fields[1] === "BACKEND" || fields[1] === "FRONTEND") continue;
    details.push({
      backend: fields[0] ?? "",
      name: fields[1] ?? "",
      // "* L4CON": HAProxy marks a check that is running again; the status is the last result.
      status: (fields[status] ?? "").replace(/^\* /, ""),
      code: fields[code] ?? "",
      info: fields[info] ?? "",
      description: fields[description] ?? "",
    });
  }
  return details;
}

/** One CSV line's fields; HAProxy quotes a field holding a comma or a quote, doubling quotes. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (quoted && char === '"' && line[index + 1] === '"') {
      field += '"';
      index++;
    } else if (char === '"') quoted = !quoted;
    else if (char === "," && !quoted) {
      fields.push(field);
      field = "";
    } else field += char;
  }
  fields.push(field);
  return fields;
}

/** `"L4CON Connection refused"`, `"L7STS 500 Internal Server Error"`: the status, the HTTP code
 * when there is one, and what the check saw (else HAProxy's description of the status). */
export function checkDetailText(detail: CheckDetail): string {
  return [detail.status, detail.code, detail.info || detail.description]
    .filter((part) => part !== "")
    .join(" ");
}

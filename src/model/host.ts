// Whether a server host can be a backend at all: addresses no connection can go to (unspecified,
// broadcast, multicast) and host names a resolver would read as a number are refused. Pure.

/** Why an IPv4 address (four valid decimal parts) cannot be a backend; undefined when it can. */
export function unusableIPv4(address: string): string | undefined {
  const first = Number(address.split(".")[0]);
  if (address === "0.0.0.0") return "is the unspecified address, not a backend";
  if (first === 0) return "is in 0.0.0.0/8 (this network), not a backend";
  if (address === "255.255.255.255") return "is the broadcast address, not a backend";
  if (first >= 224 && first <= 239) return "is a multicast address (224.0.0.0/4), not a backend";
  return undefined;
}

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Groups(address: string): number[] {
  // URL writes it in its shortest form, an embedded IPv4 address as two hex groups.
  const normalized = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = "", tail] = normalized.split("::");
  const front = head === "" ? [] : head.split(":");
  const back = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? 0 : 8 - front.length - back.length;
  return [...front, ...Array<string>(zeros).fill("0"), ...back].map((group) =>
    Number.parseInt(group, 16),
  );
}

/** Why a valid IPv6 address cannot be a backend; undefined when it can. */
export function unusableIPv6(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (groups.every((group) => group === 0)) return "is the unspecified address, not a backend";
  if ((groups[0]! & 0xff00) === 0xff00) return "is a multicast address (ff00::/8), not a backend";
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    const ipv4 = [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
    const problem = unusableIPv4(ipv4);
    if (problem) return `maps ${ipv4}, which ${problem}`;
  }
  return undefined;
}

/**
 * Why a host name (valid DNS labels, not all numeric) cannot be a backend: a label that looks like
 * a hexadecimal (`0x7f`) or octal (`017`) number makes resolvers read `0x7f.0.0.1` as 127.0.0.1.
 */
export function numericLookingName(name: string): string | undefined {
  for (const label of name.replace(/\.$/, "").split(".")) {
    if (/^0x[0-9a-f]*$/i.test(label)) {
      return `has the label "${label}", which resolvers may read as a hexadecimal number`;
    }
    if (/^0\d+$/.test(label)) {
      return `has the label "${label}", which resolvers may read as an octal number`;
    }
  }
  return undefined;
}

// Registration values and keys that must never be accepted, shared by the decode, model and
// render tests. `fragment` is text that must not reach haproxy.cfg if the value slipped through.

export type HostileValue = {
  /** What the case is about, for the test name. */
  name: string;
  value: string;
  /** The rejection reason must match this: it says what is wrong. */
  reason: RegExp;
  /** A piece of the payload that must never appear in rendered output (none for empty values). */
  fragment?: string;
};

const CONTROL = /control character or line break/;
const SHAPE = /value must be "<name> <host>:<port>", "<host>:<port>" or a JSON object/;
const NOT_HOST_PORT = /is not host:port/;
const NAME_CHARSET = /server name ".*" must be 1-64 of \[A-Za-z0-9._-\]/;

export const HOSTILE_VALUES: HostileValue[] = [
  {
    name: "a newline that starts a new haproxy.cfg line",
    value: "a 1.2.3.4:80\nbind :1",
    reason: CONTROL,
    fragment: "bind :1",
  },
  {
    name: "a carriage return",
    value: "a 1.2.3.4:80\rbind :2",
    reason: CONTROL,
    fragment: "bind :2",
  },
  {
    name: "a tab between name and address",
    value: "tabbed\t1.2.3.4:80",
    reason: CONTROL,
    fragment: "tabbed",
  },
  { name: "a NUL byte", value: "nulname 1.2.3.4:80\u0000", reason: CONTROL, fragment: "nulname" },
  {
    name: "an ANSI escape sequence",
    value: "esc 1.2.3.4:80\u001b[2J",
    reason: CONTROL,
    fragment: "[2J",
  },
  {
    name: "a DEL character",
    value: "delname\u007f 1.2.3.4:80",
    reason: CONTROL,
    fragment: "delname",
  },
  {
    name: "a C1 next-line character (U+0085)",
    value: "a 1.2.3.4:80\u0085bind :3",
    reason: CONTROL,
    fragment: "bind :3",
  },
  {
    name: "a Unicode line separator (U+2028)",
    value: "a 1.2.3.4:80\u2028bind :4",
    reason: CONTROL,
    fragment: "bind :4",
  },
  {
    name: "a Unicode paragraph separator (U+2029)",
    value: "a 1.2.3.4:80\u2029bind :5",
    reason: CONTROL,
    fragment: "bind :5",
  },
  {
    name: "a trailing newline on an otherwise valid value",
    value: "trailing 1.2.3.4:80\n",
    reason: CONTROL,
    fragment: "trailing",
  },
  {
    name: "extra HAProxy keywords after the address",
    value: "a 1.2.3.4:80 check inter 1",
    reason: SHAPE,
    fragment: "inter 1",
  },
  { name: "a backup keyword", value: "a 1.2.3.4:80 backup", reason: SHAPE, fragment: "backup" },
  {
    name: "a trailing haproxy comment",
    value: "a 1.2.3.4:80 #comment",
    reason: SHAPE,
    fragment: "#comment",
  },
  {
    name: "port 0",
    value: "a 1.2.3.4:0",
    reason: /port 0 is outside 1-65535/,
    fragment: "1.2.3.4",
  },
  {
    name: "port 65536",
    value: "a 1.2.3.4:65536",
    reason: /port 65536 is outside 1-65535/,
    fragment: "65536",
  },
  {
    name: "port 99999",
    value: "a 1.2.3.4:99999",
    reason: /port 99999 is outside 1-65535/,
    fragment: "99999",
  },
  {
    name: "a six-digit port",
    value: "a 1.2.3.4:100000",
    reason: NOT_HOST_PORT,
    fragment: "100000",
  },
  {
    name: "a service-name port",
    value: "a 1.2.3.4:http",
    reason: NOT_HOST_PORT,
    fragment: ":http",
  },
  { name: "a missing port", value: "a 1.2.3.4", reason: NOT_HOST_PORT, fragment: "1.2.3.4" },
  { name: "an empty port", value: "a 1.2.3.4:", reason: NOT_HOST_PORT, fragment: "1.2.3.4" },
  {
    name: "an IPv4 octet above 255",
    value: "a 256.1.1.1:80",
    reason: /host "256.1.1.1" is not an IPv4 address or DNS name/,
    fragment: "256.1.1.1",
  },
  {
    name: "an IPv4 address with three octets",
    value: "a 1.2.3:80",
    reason: /host "1.2.3" is not an IPv4 address or DNS name/,
    fragment: "1.2.3:",
  },
  {
    name: "an IPv4 octet with a leading zero",
    value: "a 01.2.3.4:80",
    reason: /host "01.2.3.4" is not an IPv4 address or DNS name/,
    fragment: "01.2.3.4",
  },
  {
    name: "a host name starting with a hyphen",
    value: "a -evil.example:80",
    reason: /host "-evil.example" is not an IPv4 address or DNS name/,
    fragment: "evil.example",
  },
  {
    name: "an IPv6 address without brackets",
    value: "a 2001:db8::1:80",
    reason: NOT_HOST_PORT,
    fragment: "2001:db8::1",
  },
  {
    name: "brackets around something that is not IPv6",
    value: "a [gggg::1]:80",
    reason: /"gggg::1" is not an IPv6 address/,
    fragment: "gggg",
  },
  {
    name: "an IPv6 zone index",
    value: "a [fe80::1%eth0]:80",
    reason: /"fe80::1%eth0" is not an IPv6 address/,
    fragment: "eth0",
  },
  {
    name: "a name with a space",
    value: "my server 1.2.3.4:80",
    reason: SHAPE,
    fragment: "my server",
  },
  { name: "a name with #", value: "a#b 1.2.3.4:80", reason: NAME_CHARSET, fragment: "a#b" },
  { name: "a name with }", value: "a}b 1.2.3.4:80", reason: NAME_CHARSET, fragment: "a}b" },
  {
    name: "a name in braces",
    value: "{a} 1.2.3.4:80",
    reason: /value starts with \{ but is not valid JSON/,
    fragment: "{a}",
  },
  { name: "a quoted name", value: '"a" 1.2.3.4:80', reason: NAME_CHARSET, fragment: '"a"' },
  {
    name: "a name with a single quote",
    value: "a'b 1.2.3.4:80",
    reason: NAME_CHARSET,
    fragment: "a'b",
  },
  {
    name: "a name with a look-alike Cyrillic letter",
    value: "w\u0435b 1.2.3.4:80",
    reason: NAME_CHARSET,
    fragment: "w\u0435b",
  },
  {
    name: "a name longer than 64 characters",
    value: `${"n".repeat(65)} 1.2.3.4:80`,
    reason: NAME_CHARSET,
    fragment: "n".repeat(65),
  },
  {
    name: "a DNS name longer than 253 characters",
    value: `a ${"abcdefghi.".repeat(26)}com:80`,
    reason: /is not an IPv4 address or DNS name/,
    fragment: "abcdefghi.",
  },
  {
    name: 'JSON weight as a string ("10")',
    value: '{"addr":"1.2.3.4:80","name":"j1","weight":"10"}',
    reason: /"weight" must be an integer 0-256/,
    fragment: "j1",
  },
  {
    name: "JSON weight 300",
    value: '{"addr":"1.2.3.4:80","name":"j2","weight":300}',
    reason: /"weight" must be an integer 0-256/,
    fragment: "j2",
  },
  {
    name: "JSON weight -1",
    value: '{"addr":"1.2.3.4:80","name":"j3","weight":-1}',
    reason: /"weight" must be an integer 0-256/,
    fragment: "j3",
  },
  {
    name: "JSON weight 1.5",
    value: '{"addr":"1.2.3.4:80","name":"j4","weight":1.5}',
    reason: /"weight" must be an integer 0-256/,
    fragment: "j4",
  },
  {
    name: "JSON weight null",
    value: '{"addr":"1.2.3.4:80","name":"j5","weight":null}',
    reason: /"weight" must be an integer 0-256/,
    fragment: "j5",
  },
  {
    name: 'JSON drain "yes"',
    value: '{"addr":"1.2.3.4:80","name":"j6","drain":"yes"}',
    reason: /"drain" must be true or false/,
    fragment: "j6",
  },
  {
    name: "JSON addr as a number",
    value: '{"addr":5,"name":"j7"}',
    reason: /"addr" must be a "host:port" string/,
    fragment: "j7",
  },
  {
    name: "JSON without addr",
    value: '{"name":"j8"}',
    reason: /"addr" must be a "host:port" string/,
    fragment: "j8",
  },
  {
    name: "JSON meta as an array",
    value: '{"addr":"1.2.3.4:80","name":"j9","meta":[]}',
    reason: /"meta" must be an object/,
    fragment: "j9",
  },
  {
    name: "JSON with an unknown field",
    value: '{"addr":"1.2.3.4:80","name":"j10","backup":true}',
    reason: /unknown JSON field "backup" \(allowed: addr, name, weight, drain, meta\)/,
    fragment: "j10",
  },
  {
    name: "JSON with an unknown field whose name holds an escaped newline",
    value: '{"addr":"1.2.3.4:80","name":"j11","x\\nbind :6":1}',
    reason: /unknown JSON field "x-bind--6"/,
    fragment: "bind :6",
  },
  {
    name: "JSON with a __proto__ field",
    value: '{"addr":"1.2.3.4:80","name":"j12","__proto__":{"weight":9}}',
    reason: /unknown JSON field "__proto__"/,
    fragment: "j12",
  },
  {
    name: "invalid JSON",
    value: '{"addr":"1.2.3.4:80",',
    reason: /value starts with \{ but is not valid JSON/,
    fragment: "1.2.3.4",
  },
  {
    name: "a JSON name with an escaped newline",
    value: '{"addr":"1.2.3.4:80","name":"j13\\nbind :7"}',
    reason: /"name" must be 1-64 of \[A-Za-z0-9._-\]/,
    fragment: "bind :7",
  },
  {
    name: "a JSON name with a space and keyword",
    value: '{"addr":"1.2.3.4:80","name":"j14 backup"}',
    reason: /"name" must be 1-64 of/,
    fragment: "j14",
  },
  {
    name: "a JSON addr with an escaped newline",
    value: '{"addr":"1.2.3.4:80\\nbind :8","name":"j15"}',
    reason: NOT_HOST_PORT,
    fragment: "bind :8",
  },
  {
    name: "a JSON addr with an escaped ANSI escape sequence",
    value: '{"addr":"\\u001b[2J1.2.3.4:80","name":"j16"}',
    reason: NOT_HOST_PORT,
    fragment: "j16",
  },
  {
    name: "a value longer than 4096 characters",
    value: `long ${"1".repeat(4100)}.example:80`,
    reason: /value is longer than 4096 bytes/,
    fragment: "1111111111",
  },
  { name: "an empty value", value: "", reason: /value is empty/ },
  { name: "a value of spaces only", value: "   ", reason: /value is empty/ },
  // Addresses no connection can go to, and host names a resolver reads as numbers.
  ...(
    [
      ["the unspecified IPv4 address", "unspec4 0.0.0.0:80", /unspecified address/],
      ["an address in 0.0.0.0/8", "thisnet 0.1.2.3:80", /0\.0\.0\.0\/8/],
      ["the broadcast address", "bcast 255.255.255.255:80", /broadcast address/],
      ["an IPv4 multicast address", "mcast4 224.0.0.1:80", /multicast address \(224/],
      ["the last IPv4 multicast address", "mcast4top 239.255.255.255:80", /multicast/],
      ["the unspecified IPv6 address", "unspec6 [::]:80", /unspecified address/],
      ["an IPv6 multicast address", "mcast6 [ff02::1]:80", /multicast address \(ff00/],
      ["an IPv4-mapped unspecified address", "mapped0 [::ffff:0.0.0.0]:80", /maps 0\.0\.0\.0/],
      ["an IPv4-mapped broadcast address", "mappedb [::ffff:ffff:ffff]:80", /broadcast/],
      ["a hexadecimal label (0x7f.0.0.1 is 127.0.0.1)", "hexhost 0x7f.0.0.1:80", /hexadecimal/],
      ["one hexadecimal label", "hexone 0X7F000001:80", /hexadecimal/],
      ["an octal-looking label", "octhost 0177.svc.example:80", /octal/],
      [
        "the unspecified address in JSON",
        '{"addr":"0.0.0.0:80","name":"jsonunspec"}',
        /unspecified/,
      ],
    ] as const
  ).map(([name, value, reason]) => ({ name, value, reason, fragment: value.split(" ")[0] })),
  {
    name: "a value that is not valid UTF-8 (byte 0xff kept as U+DCFF)",
    value: "utf8bad 10.99.1.1:80\udcff",
    reason: /value "utf8bad 10\.99\.1\.1:80\\xff" is not valid UTF-8/,
    fragment: "utf8bad",
  },
];

export type HostileKey = {
  name: string;
  key: string;
  value: string;
  reason: RegExp;
  fragment: string;
};

/** Keys under `/apps/` with valid values that must still be rejected. */
export const HOSTILE_KEYS: HostileKey[] = [
  {
    name: "a key nested one level too deep",
    key: "/apps/web/a/b",
    value: "nested 10.99.0.1:80",
    reason: /key must be \/apps\/<service>\/<instance>/,
    fragment: "10.99.0.1",
  },
  {
    name: "a key with an empty instance",
    key: "/apps/web/",
    value: "noinstance 10.99.0.2:80",
    reason: /key must be \/apps\/<service>\/<instance>/,
    fragment: "10.99.0.2",
  },
  {
    name: "a key directly under the prefix",
    key: "/apps/web",
    value: "noservice 10.99.0.3:80",
    reason: /key must be \/apps\/<service>\/<instance>/,
    fragment: "10.99.0.3",
  },
  {
    name: "a service name with a space",
    key: "/apps/we b/x",
    value: "spaced 10.99.0.4:80",
    reason: /key contains a space/,
    fragment: "10.99.0.4",
  },
  {
    name: "a service name with #",
    key: "/apps/we#b/x",
    value: "hashed 10.99.0.5:80",
    reason: /service name .* must be 1-64 of|key contains a space, control character/,
    fragment: "10.99.0.5",
  },
  {
    name: "a service name with braces",
    key: "/apps/w{e}b/x",
    value: "braced 10.99.0.6:80",
    reason: /service name .* must be 1-64 of|key contains a space, control character/,
    fragment: "10.99.0.6",
  },
  {
    name: "a service name with a newline",
    key: "/apps/web\nbind :9/x",
    value: "newline 10.99.0.7:80",
    reason: /service name .* must be 1-64 of|key contains a space, control character/,
    fragment: "bind :9",
  },
  {
    name: "a service name longer than 64 characters",
    key: `/apps/${"s".repeat(65)}/x`,
    value: "longsvc 10.99.0.8:80",
    reason: /service name .* must be 1-64 of|key contains a space, control character/,
    fragment: "10.99.0.8",
  },
  {
    name: "a key that is not valid UTF-8 (byte 0xff kept as U+DCFF)",
    key: "/apps/web/x\udcff",
    value: "rawkey 10.99.0.9:80",
    reason: /key "\/apps\/web\/x\\xff" is not valid UTF-8/,
    fragment: "10.99.0.9",
  },
];

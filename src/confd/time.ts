// Go's time.Time as templates see it: `datetime`'s value, its String() and Format(layout).

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** A moment in a zone: wall-clock fields as Go's Time in its Location. */
export class GoTime {
  readonly date: Date;
  /** Minutes east of UTC. */
  readonly offsetMinutes: number;
  /** The zone's abbreviation (`UTC`, `CET`, or `+0100` when it has none). */
  readonly zone: string;
  constructor(date: Date, offsetMinutes: number, zone: string) {
    this.date = date;
    this.offsetMinutes = offsetMinutes;
    this.zone = zone;
  }
  /** Go's Time.String() (without the monotonic clock reading). */
  goString(): string {
    return formatTime(this, "2006-01-02 15:04:05.999999999 -0700 MST");
  }
  goType(): string {
    return "time.Time";
  }
  goFields(): [string, unknown][] {
    return [];
  }
  toString(): string {
    return this.goString();
  }
}

/** The local time of `date` in the process's zone, as Go's time.Now() gives it. */
export function localTime(date: Date): GoTime {
  const offset = -date.getTimezoneOffset();
  let zone = "";
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName")?.value;
    if (part && /^[A-Z]{3,5}$/.test(part)) zone = part;
  } catch {}
  if (offset === 0 && zone === "") zone = "UTC";
  return new GoTime(date, offset, zone || formatOffset(offset, "", false));
}

function formatOffset(minutes: number, separator: string, short: boolean): string {
  const sign = minutes < 0 ? "-" : "+";
  const hours = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, "0");
  const rest = String(Math.abs(minutes) % 60).padStart(2, "0");
  return short ? `${sign}${hours}` : `${sign}${hours}${separator}${rest}`;
}

type Wall = {
  year: number;
  month: number;
  day: number;
  weekday: number;
  yday: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
};

function wallClock(time: GoTime): Wall {
  const shifted = new Date(time.date.getTime() + time.offsetMinutes * 60_000);
  const start = Date.UTC(shifted.getUTCFullYear(), 0, 1);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth(),
    day: shifted.getUTCDate(),
    weekday: shifted.getUTCDay(),
    yday: Math.floor((shifted.getTime() - start) / 86_400_000) + 1,
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    nanos: shifted.getUTCMilliseconds() * 1_000_000,
  };
}

const two = (n: number) => String(n).padStart(2, "0");

function fraction(nanos: number, digits: number, trim: boolean, mark: string): string {
  let text = String(nanos).padStart(9, "0").slice(0, digits);
  if (trim) text = text.replace(/0+$/, "");
  return text === "" ? "" : mark + text;
}

type Chunk = [pattern: RegExp, render: (wall: Wall, time: GoTime, match: string) => string];

/** Go's layout elements, tried in Go's order at each position. */
const CHUNKS: Chunk[] = [
  [/^January/, (w) => MONTHS[w.month]!],
  [/^Jan(?![a-z])/, (w) => MONTHS[w.month]!.slice(0, 3)],
  [/^Monday/, (w) => DAYS[w.weekday]!],
  [/^Mon(?![a-z])/, (w) => DAYS[w.weekday]!.slice(0, 3)],
  [/^MST/, (_w, t) => t.zone],
  [/^2006/, (w) => String(w.year).padStart(4, "0")],
  [/^002/, (w) => String(w.yday).padStart(3, "0")],
  [/^01/, (w) => two(w.month + 1)],
  [/^02/, (w) => two(w.day)],
  [/^03/, (w) => two(w.hour % 12 || 12)],
  [/^04/, (w) => two(w.minute)],
  [/^05/, (w) => two(w.second)],
  [/^06/, (w) => two(w.year % 100)],
  [/^__2/, (w) => String(w.yday).padStart(3, " ")],
  [/^_2/, (w) => String(w.day).padStart(2, " ")],
  [/^15/, (w) => two(w.hour)],
  [/^1/, (w) => String(w.month + 1)],
  [/^2/, (w) => String(w.day)],
  [/^3/, (w) => String(w.hour % 12 || 12)],
  [/^4/, (w) => String(w.minute)],
  [/^5/, (w) => String(w.second)],
  [/^PM/, (w) => (w.hour >= 12 ? "PM" : "AM")],
  [/^pm/, (w) => (w.hour >= 12 ? "pm" : "am")],
  [/^Z07:00/, (_w, t) => (t.offsetMinutes === 0 ? "Z" : formatOffset(t.offsetMinutes, ":", false))],
  [/^Z0700/, (_w, t) => (t.offsetMinutes === 0 ? "Z" : formatOffset(t.offsetMinutes, "", false))],
  [/^Z07/, (_w, t) => (t.offsetMinutes === 0 ? "Z" : formatOffset(t.offsetMinutes, "", true))],
  [/^-07:00/, (_w, t) => formatOffset(t.offsetMinutes, ":", false)],
  [/^-0700/, (_w, t) => formatOffset(t.offsetMinutes, "", false)],
  [/^-07/, (_w, t) => formatOffset(t.offsetMinutes, "", true)],
  [/^[.,](0+|9+)(?!\d)/, (w, _t, m) => fraction(w.nanos, m.length - 1, m[1] === "9", m[0]!)],
];

/** Go's Time.Format with a reference-time layout (`2006-01-02 15:04:05`). */
export function formatTime(time: GoTime, layout: string): string {
  const wall = wallClock(time);
  let out = "";
  let at = 0;
  while (at < layout.length) {
    const rest = layout.slice(at);
    const chunk = CHUNKS.find(([pattern]) => pattern.test(rest));
    if (!chunk) {
      out += layout[at];
      at++;
      continue;
    }
    const match = chunk[0].exec(rest)![0];
    out += chunk[1](wall, time, match);
    at += match.length;
  }
  return out;
}

// Go's strconv.FormatFloat for 'e', 'f' and 'g': shortest or correctly rounded decimal digits.

/** A finite non-negative float as decimal digits: value = 0.<digits> × 10^point. */
type Decimal = { digits: string; point: number };

/** The shortest digits that read back as `x` (what Go's precision -1 gives). */
function shortestDigits(x: number): Decimal {
  if (x === 0) return { digits: "", point: 0 };
  const [mantissa, exponent] = x.toExponential().split("e") as [string, string];
  return trimZeros({ digits: mantissa.replace(".", ""), point: Number(exponent) + 1 });
}

/** Every digit of the binary value of `x`: a double is always a finite decimal. */
function exactDigits(x: number): Decimal {
  if (x === 0) return { digits: "", point: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  if (exponent >= 0) {
    const digits = (mantissa << BigInt(exponent)).toString();
    return trimZeros({ digits, point: digits.length });
  }
  const digits = (mantissa * 5n ** BigInt(-exponent)).toString();
  return trimZeros({ digits, point: digits.length + exponent });
}

function trimZeros(decimal: Decimal): Decimal {
  const digits = decimal.digits.replace(/0+$/, "");
  return digits === "" ? { digits: "", point: 0 } : { digits, point: decimal.point };
}

/** Rounds exact digits to `count` digits, half to even (Go's decimal.Round). */
function roundDigits(decimal: Decimal, count: number): Decimal {
  const { digits, point } = decimal;
  if (count < 0 || count >= digits.length) return decimal;
  const next = digits.charCodeAt(count) - 48;
  const exactHalf = next === 5 && count + 1 === digits.length;
  const up = exactHalf ? count > 0 && (digits.charCodeAt(count - 1) - 48) % 2 === 1 : next >= 5;
  if (!up) return trimZeros({ digits: digits.slice(0, count), point });
  let kept = digits.slice(0, count);
  let i = kept.length - 1;
  while (i >= 0 && kept[i] === "9") i--;
  if (i < 0) return { digits: "1", point: point + 1 };
  kept = kept.slice(0, i) + String(Number(kept[i]) + 1);
  return { digits: kept, point };
}

function formatE(decimal: Decimal, precision: number, letter: string): string {
  const { digits, point } = decimal;
  let text = digits[0] ?? "0";
  if (precision > 0) text += `.${digits.slice(1, precision + 1).padEnd(precision, "0")}`;
  const exponent = digits.length === 0 ? 0 : point - 1;
  const size = Math.abs(exponent);
  return `${text}${letter}${exponent < 0 ? "-" : "+"}${size < 10 ? `0${size}` : size}`;
}

function formatF(decimal: Decimal, precision: number): string {
  const { digits, point } = decimal;
  let text = point > 0 ? digits.slice(0, point).padEnd(point, "0") : "0";
  if (precision > 0) {
    let fraction = "";
    for (let i = 1; i <= precision; i++) {
      const j = point + i - 1;
      fraction += j >= 0 && j < digits.length ? digits[j] : "0";
    }
    text += `.${fraction}`;
  }
  return text;
}

function formatG(decimal: Decimal, precision: number, shortest: boolean, letter: string): string {
  let exponentPrecision = precision;
  if (exponentPrecision > decimal.digits.length && decimal.digits.length >= decimal.point) {
    exponentPrecision = decimal.digits.length;
  }
  if (shortest) exponentPrecision = 6;
  const exponent = decimal.point - 1;
  if (exponent < -4 || exponent >= exponentPrecision) {
    return formatE(decimal, Math.min(precision, decimal.digits.length) - 1, letter);
  }
  const digits = precision > decimal.point ? decimal.digits.length : precision;
  return formatF(decimal, Math.max(digits - decimal.point, 0));
}

/** The format letters FormatFloat takes here. */
export type FloatFormat = "e" | "E" | "f" | "F" | "g" | "G";

/** Go's `strconv.FormatFloat(x, format, precision, 64)`; precision < 0 = shortest. */
export function formatFloat(x: number, format: FloatFormat, precision: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const magnitude = Math.abs(x);
  const shortest = precision < 0;
  const lower = format.toLowerCase();
  let decimal: Decimal;
  let digits = precision;
  if (shortest) {
    decimal = shortestDigits(magnitude);
    const count = decimal.digits.length;
    digits =
      lower === "e"
        ? Math.max(count - 1, 0)
        : lower === "f"
          ? Math.max(count - decimal.point, 0)
          : count;
  } else {
    const exact = exactDigits(magnitude);
    if (lower === "e") decimal = roundDigits(exact, precision + 1);
    else if (lower === "f") decimal = roundDigits(exact, exact.point + precision);
    else {
      if (digits === 0) digits = 1;
      decimal = roundDigits(exact, digits);
    }
  }
  const letter = format === "E" || format === "G" ? "E" : "e";
  if (lower === "e") return sign + formatE(decimal, digits, letter);
  if (lower === "f") return sign + formatF(decimal, digits);
  return sign + formatG(decimal, digits, shortest, letter);
}

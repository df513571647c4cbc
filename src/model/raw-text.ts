// etcd keys and values are bytes; sluice holds them as strings without losing a byte. Valid UTF-8
// is decoded as it is; anything else keeps every byte, so two keys never become one.

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** The code unit that stands for byte 0x00 in text decoded from invalid UTF-8. */
const ESCAPE_BASE = 0xdc00;
/** A lone surrogate: no valid UTF-8 decodes to one, so it marks a byte that was kept as is. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const LONE_SURROGATES = /[\uD800-\uDFFF]/gu;

/**
 * The text of `bytes`: decoded UTF-8 when they are valid (a leading byte-order mark kept), else
 * ASCII as is and every other byte 0xNN as the lone surrogate U+DCNN. The mapping is one to one,
 * and its results for invalid input never equal a result for valid input.
 */
export function bytesToText(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    let text = "";
    for (const byte of bytes) {
      text += String.fromCharCode(byte < 0x80 ? byte : ESCAPE_BASE + byte);
    }
    return text;
  }
}

/** Whether `text` came from bytes that are not valid UTF-8 (or holds a lone surrogate). */
export function isInvalidUtf8(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** `text` with each byte that was not valid UTF-8 written as `\xNN`, for people to read. */
export function showBytes(text: string): string {
  return text.replace(LONE_SURROGATES, (char) => {
    const code = char.charCodeAt(0);
    if (code >= ESCAPE_BASE && code < ESCAPE_BASE + 0x100) {
      return `\\x${(code - ESCAPE_BASE).toString(16).padStart(2, "0")}`;
    }
    return `\\u${code.toString(16)}`;
  });
}

// NOTIFY_SOCKET becomes the sockaddr_un sd_notify would send to: paths with their NUL counted,
// abstract names with a leading NUL and none at the end; anything else is refused.

import { describe, expect, test } from "bun:test";
import { encodeNotifyAddress, SOCKADDR_UN_SIZE } from "../../../src/systemd/address.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("encodeNotifyAddress", () => {
  test("an absolute path: family AF_UNIX, the path, its closing NUL counted", () => {
    const { bytes, length } = encodeNotifyAddress("/run/systemd/notify");
    expect(bytes.length).toBe(SOCKADDR_UN_SIZE);
    expect(new DataView(bytes.buffer).getUint16(0, true)).toBe(1);
    expect(text(bytes.subarray(2, 2 + "/run/systemd/notify".length))).toBe("/run/systemd/notify");
    expect(length).toBe(2 + "/run/systemd/notify".length + 1);
    expect(bytes[length - 1]).toBe(0);
  });

  test("an @abstract name: a leading NUL in place of @, no closing NUL", () => {
    const { bytes, length } = encodeNotifyAddress("@sluice/notify");
    expect(bytes[2]).toBe(0);
    expect(text(bytes.subarray(3, length))).toBe("sluice/notify");
    expect(length).toBe(2 + 1 + "sluice/notify".length);
  });

  test("a name of 107 bytes fits; 108 does not", () => {
    expect(encodeNotifyAddress(`/${"a".repeat(106)}`).length).toBe(110);
    expect(() => encodeNotifyAddress(`/${"a".repeat(107)}`)).toThrow("1 to 107 bytes");
    expect(encodeNotifyAddress(`@${"a".repeat(107)}`).length).toBe(110);
    expect(() => encodeNotifyAddress(`@${"a".repeat(108)}`)).toThrow("1 to 107 bytes");
  });

  test.each([
    ["run/notify", "only an absolute path or an @abstract name"],
    ["vsock:2:1234", "only an absolute path or an @abstract name"],
    ["@", "1 to 107 bytes"],
  ])("%p is refused with a notify error", (socket, message) => {
    expect(() => encodeNotifyAddress(socket)).toThrow(message);
    try {
      encodeNotifyAddress(socket);
    } catch (error) {
      expect((error as { code: string }).code).toBe("notify");
    }
  });
});

/**
 * Addresses as packets carry them: MAC `02:00:00:00:00:01`, IPv4 dotted quads, IPv6 text (RFC 4291
 * §2.2, `::` compression and an embedded IPv4 tail), and the u32 a probe sees when it loads four
 * network-order address bytes (a little-endian load), the key of maps keyed by `ip.value.saddr`.
 */

/** A bad address text. */
export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AddressError";
  }
}

/** `aa:bb:cc:dd:ee:ff` (or `-` separated) → 6 bytes; 6 bytes pass through. */
export function macBytes(mac: string | Uint8Array): Uint8Array {
  if (mac instanceof Uint8Array) {
    if (mac.length !== 6) throw new AddressError(`a MAC address has 6 bytes, got ${mac.length}`);
    return mac;
  }
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p)))
    throw new AddressError(`bad MAC address "${mac}" (want aa:bb:cc:dd:ee:ff)`);
  return new Uint8Array(parts.map((p) => parseInt(p, 16)));
}

/** `10.0.0.1` → 4 bytes in network order; 4 bytes pass through. */
export function ipv4Bytes(addr: string | Uint8Array): Uint8Array {
  if (addr instanceof Uint8Array) {
    if (addr.length !== 4)
      throw new AddressError(`an IPv4 address has 4 bytes, got ${addr.length}`);
    return addr;
  }
  const parts = addr.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255))
    throw new AddressError(`bad IPv4 address "${addr}"`);
  return new Uint8Array(parts.map(Number));
}

/** The u32 a probe reads from the 4 network-order bytes of `addr` (a little-endian load). */
export function ipv4Word(addr: string | Uint8Array): number {
  const b = ipv4Bytes(addr);
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}

/** IPv6 text → 16 bytes; 16 bytes pass through. */
export function ipv6Bytes(addr: string | Uint8Array): Uint8Array {
  if (addr instanceof Uint8Array) {
    if (addr.length !== 16)
      throw new AddressError(`an IPv6 address has 16 bytes, got ${addr.length}`);
    return addr;
  }
  const bad = () => new AddressError(`bad IPv6 address "${addr}"`);
  let text = addr;
  const lastColon = text.lastIndexOf(":");
  if (lastColon < 0) throw bad();
  if (text.slice(lastColon + 1).includes(".")) {
    // An embedded IPv4 tail (`::ffff:10.0.0.1`) is the last two groups.
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hex(v4[0]!, v4[1]!)}:${hex(v4[2]!, v4[3]!)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) throw bad();
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  for (const g of [...head, ...rest]) if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) throw bad();
  const words = [...head, ...new Array<string>(fill).fill("0"), ...rest].map((g) =>
    parseInt(g, 16),
  );
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

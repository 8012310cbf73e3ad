/**
 * Hex byte strings as users type them for packets and contexts (`45 00 0a`, `0x4500`, with `:` `,`
 * `_` `-` separators), shared by `tsbpf run --packet-hex/--ctx-hex` and the playground's input box.
 */

/** The bytes `text` spells, or undefined when it is not pairs of hex digits. */
export function parseHexText(text: string): Uint8Array | undefined {
  const clean = text.replace(/0x/gi, "").replace(/[\s:,_-]/g, "");
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length % 2 !== 0) return undefined;
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

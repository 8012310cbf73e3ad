/**
 * The code in the URL fragment: `#code=<base64url of the deflate-raw compressed UTF-8 source>`, so a
 * link carries the program itself and no server stores anything. Uses the Compression Streams API
 * (every current browser, and Node 18+).
 *
 * Consumes and produces strings; a fragment that does not decode gives undefined.
 */

async function pipe(bytes: Uint8Array, stream: GenericTransformStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream as never);
  return new Uint8Array(await new Response(out as ReadableStream).arrayBuffer());
}

function toBase64Url(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The fragment (without `#`) that carries `source`. */
export async function encodeFragment(source: string): Promise<string> {
  const packed = await pipe(new TextEncoder().encode(source), new CompressionStream("deflate-raw"));
  return "code=" + toBase64Url(packed);
}

/** The source a fragment carries, or undefined when it carries none (or is damaged). */
export async function decodeFragment(fragment: string): Promise<string | undefined> {
  const m = /(?:^#?|&)code=([A-Za-z0-9_-]+)/.exec(fragment);
  if (!m) return undefined;
  try {
    const raw = await pipe(fromBase64Url(m[1]!), new DecompressionStream("deflate-raw"));
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return undefined;
  }
}

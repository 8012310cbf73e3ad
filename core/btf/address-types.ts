/**
 * The BTF names that mark a value as a network address, so user space prints it as one without
 * guessing: the compiler emits the stdlib's `Ipv4Addr` as `typedef u32 ipv4_addr` and `Ipv6Addr`
 * as `typedef u32 ipv6_addr[4]` (compiler/emit/btf.ts), and runtime/user/map-codec.ts decodes any
 * type whose typedef chain names one of these (or C's `struct in_addr` / `struct in6_addr`) as an
 * address. Both kinds hold the address in network byte order, as packets carry it.
 */

/** Address families by typedef name. */
export const ADDRESS_TYPEDEFS = { ipv4: "ipv4_addr", ipv6: "ipv6_addr" } as const;

/** An address family: 4 bytes (IPv4) or 16 bytes (IPv6). */
export type AddressFamily = keyof typeof ADDRESS_TYPEDEFS;

/** Byte size of each family's address. */
export const ADDRESS_SIZE: Readonly<Record<AddressFamily, number>> = { ipv4: 4, ipv6: 16 };

/** C structs that hold one address (linux/in.h, linux/in6.h). */
const ADDRESS_STRUCTS: Readonly<Record<string, AddressFamily>> = {
  in_addr: "ipv4",
  in6_addr: "ipv6",
};

/** The family a typedef name denotes (`ipv4_addr` → ipv4), or undefined. */
export function addressTypedefFamily(name: string): AddressFamily | undefined {
  for (const [family, typedef] of Object.entries(ADDRESS_TYPEDEFS))
    if (typedef === name) return family as AddressFamily;
  return undefined;
}

/** The family a struct name denotes (`in6_addr` → ipv6), or undefined. */
export function addressStructFamily(name: string): AddressFamily | undefined {
  return Object.hasOwn(ADDRESS_STRUCTS, name) ? ADDRESS_STRUCTS[name] : undefined;
}

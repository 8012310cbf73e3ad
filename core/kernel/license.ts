/**
 * The kernel's rule for GPL-compatible program licenses (include/linux/license.h
 * `license_is_gpl_compatible`): a program whose license string is not one of these may not call
 * GPL-only helpers.
 */

/** License strings the kernel treats as GPL-compatible. */
export const GPL_COMPATIBLE_LICENSES: readonly string[] = [
  "GPL",
  "GPL v2",
  "GPL and additional rights",
  "Dual BSD/GPL",
  "Dual MIT/GPL",
  "Dual MPL/GPL",
];

/** True when the kernel lets a program with this license call GPL-only helpers. */
export function isGplCompatible(license: string): boolean {
  return GPL_COMPATIBLE_LICENSES.includes(license);
}

/**
 * The maps of an object (object-loader.ts): each map created as its definition says, with its BTF
 * key and value types (created again without them when the kernel rejects those, as libbpf does),
 * a global-data array's initial bytes and `.rodata` frozen; then the initial values that name maps
 * and programs (libbpf `.values`), once those exist.
 */
import { mapKindById } from "../../core/kernel/index.ts";
import { internalMapName, type BpfMapDef } from "../../core/object/index.ts";
import type { KernelBtf } from "./btf-load.ts";
import { KernelError, LoaderError } from "./errors.ts";
import { createMap, KernelMap } from "./map.ts";
import type { LoadedProgram } from "./object-programs.ts";
import { MapType } from "./sys/constants.ts";
import { possibleCpus } from "./sys/cpus.ts";

/** Creates one map of the object (a map of maps from a template of its inner map). */
export function createObjectMap(
  def: BpfMapDef,
  btf: KernelBtf | undefined,
  warnings: string[],
  objectName: string | undefined,
): KernelMap {
  // A map of maps is created from a template of its inner maps (libbpf: the `__array(values, ...)`
  // definition), closed again once the outer map holds its description.
  const template = def.inner && createObjectMap(def.inner, btf, warnings, objectName);
  const base = {
    ...(template ? { innerMapFd: template.fd } : {}),
    name: def.globalSection ? internalMapName(objectName, def.globalSection) : def.name,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    // libbpf sizes a perf event array with max_entries 0 to the number of possible CPUs.
    maxEntries:
      def.type === MapType.PERF_EVENT_ARRAY && def.maxEntries === 0
        ? possibleCpus()
        : def.maxEntries,
    flags: def.flags,
  };
  // Kinds the kernel describes without BTF key/value (libbpf clears the ids for them too).
  const btfKeyValue = mapKindById(def.type)?.btfKeyValue ?? true;
  const useBtf = btf && btfKeyValue && (def.keyTypeId || def.valueTypeId);
  let map: KernelMap;
  try {
    map = useBtf
      ? createMap({
          ...base,
          btfFd: btf.fd,
          btfKeyTypeId: def.keyTypeId,
          btfValueTypeId: def.valueTypeId,
        })
      : createMap(base);
  } catch (e) {
    if (!useBtf || !(e instanceof KernelError) || e.code !== "EINVAL") throw e;
    warnings.push(`map "${def.name}": kernel rejected its BTF types; created without them`);
    map = createMap(base);
  } finally {
    template?.close();
  }
  try {
    if (def.initialValue && def.initialValue.some((b) => b !== 0)) {
      map.update(new Uint8Array(4), def.initialValue);
    }
    if (
      def.globalSection &&
      (def.globalSection === ".rodata" || def.globalSection.startsWith(".rodata."))
    ) {
      map.freeze();
    }
  } catch (e) {
    map.close();
    throw e;
  }
  return map;
}

/**
 * Writes a map's initial values (libbpf `.values`): slot i of a map of maps gets the fd of the map
 * it names, slot i of a prog array the fd of the program (skipped when that program was not loaded).
 */
export function fillInitialValues(
  def: BpfMapDef,
  maps: ReadonlyMap<string, KernelMap>,
  programs: ReadonlyMap<string, LoadedProgram>,
): void {
  const outer = maps.get(def.name)!;
  def.initialValues!.forEach((name, slot) => {
    if (name === null) return;
    const fd = maps.get(name)?.fd ?? programs.get(name)?.program.fd;
    if (fd === undefined) {
      if (def.type === MapType.PROG_ARRAY) return;
      throw new LoaderError(
        `map "${def.name}": initial value ${slot} names "${name}", not a map of the object`,
      );
    }
    const key = new Uint8Array(new Uint32Array([slot]).buffer);
    outer.update(key, new Uint8Array(new Uint32Array([fd]).buffer));
  });
}

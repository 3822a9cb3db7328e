/**
 * Raw koffi bindings to Debian's libimobiledevice 1.3.0 and libplist 2.2.
 *
 * Only the declarations live here; behaviour lives in one module per device
 * service (lockdown.ts, …). Every call that can touch the device is made with
 * koffi's `.async`, which runs it on libuv's thread pool: libimobiledevice
 * blocks for whole round trips (a TLS handshake sleeps 100 ms at a time), so a
 * call on the JS thread would freeze the bench.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { NativeLibraryMissingError } from '../../core/devices/errors.js';

/** An opaque C pointer as koffi 3 hands it over. */
export type NativePointer = bigint | object;

type AsyncFn = (...args: unknown[]) => void;
interface NativeFn {
  (...args: unknown[]): unknown;
  async: AsyncFn;
}

export interface ImobiledeviceLibrary {
  idevice_new_with_options: NativeFn;
  idevice_free: NativeFn;
  idevice_set_debug_level: NativeFn;
  lockdownd_client_new: NativeFn;
  lockdownd_client_new_with_handshake: NativeFn;
  lockdownd_client_free: NativeFn;
  lockdownd_get_value: NativeFn;
  lockdownd_pair: NativeFn;
  lockdownd_validate_pair: NativeFn;
  lockdownd_unpair: NativeFn;
  plist_to_bin: NativeFn;
  plist_to_bin_free: NativeFn;
  plist_free: NativeFn;
  usbmuxd_delete_pair_record: NativeFn;
  usbmuxd_read_pair_record: NativeFn;
  libusbmuxd_free: NativeFn;
  lockdownd_start_service: NativeFn;
  lockdownd_service_descriptor_free: NativeFn;
  property_list_service_client_new: NativeFn;
  property_list_service_client_free: NativeFn;
  property_list_service_send_xml_plist: NativeFn;
  property_list_service_send_binary_plist: NativeFn;
  property_list_service_receive_plist_with_timeout: NativeFn;
  plist_from_bin: NativeFn;
  lockdownd_pair_with_options: NativeFn;
  usbmuxd_save_pair_record_with_device_id: NativeFn;
  idevice_get_handle: NativeFn;
}

/** Library files of Debian bookworm's packages, and the package that provides each. */
export const LIBRARIES = {
  imobiledevice: { file: 'libimobiledevice-1.0.so.6', debianPackage: 'libimobiledevice6' },
  plist: { file: 'libplist-2.0.so.3', debianPackage: 'libplist3' },
  usbmuxd: { file: 'libusbmuxd-2.0.so.6', debianPackage: 'libusbmuxd6' },
} as const;

/** idevice_options: look the device up through usbmuxd only. */
export const IDEVICE_LOOKUP_USBMUX = 1 << 1;

export const IDEVICE_ERRORS = { SUCCESS: 0, INVALID_ARG: -1, UNKNOWN_ERROR: -2, NO_DEVICE: -3, NOT_ENOUGH_DATA: -4, SSL_ERROR: -6, TIMEOUT: -7 } as const;

/** property_list_service_error_t (1.3.0). */
export const PLIST_SERVICE_ERRORS = {
  SUCCESS: 0,
  INVALID_ARG: -1,
  PLIST_ERROR: -2,
  MUX_ERROR: -3,
  SSL_ERROR: -4,
  RECEIVE_TIMEOUT: -5,
  NOT_ENOUGH_DATA: -6,
  UNKNOWN_ERROR: -256,
} as const;

/** What lockdownd_start_service fills in: the one-shot port and whether the service speaks TLS. */
export interface ServiceDescriptor {
  port: number;
  ssl_enabled: number;
}

/** Where each library is looked up: the Debian soname, unless overridden (e.g. a Homebrew or /usr/local build). */
export const LIBRARY_PATH_VARIABLES = { imobiledevice: 'BENCHLINE_LIBIMOBILEDEVICE', plist: 'BENCHLINE_LIBPLIST', usbmuxd: 'BENCHLINE_LIBUSBMUXD' } as const;

function loadLibrary(which: keyof typeof LIBRARIES): LibraryHandle {
  const { debianPackage } = LIBRARIES[which];
  const file = process.env[LIBRARY_PATH_VARIABLES[which]] || LIBRARIES[which].file;
  try {
    return koffi.load(file);
  } catch (error) {
    throw new NativeLibraryMissingError(file, debianPackage, error);
  }
}

/** The C library, for free() of memory libusbmuxd hands over. */
function libc(): LibraryHandle {
  return koffi.load('libc.so.6');
}

function bind(): ImobiledeviceLibrary {
  const lib = loadLibrary('imobiledevice');
  const plist = loadLibrary('plist');
  const usbmuxd = loadLibrary('usbmuxd');
  // Named opaque types: distinct pointer types keep handles from being mixed up.
  koffi.pointer('idevice_t', koffi.opaque('idevice_private'));
  koffi.pointer('lockdownd_client_t', koffi.opaque('lockdownd_client_private'));
  koffi.pointer('plist_t', koffi.opaque('plist_private'));
  koffi.pointer('property_list_service_client_t', koffi.opaque('property_list_service_client_private'));
  // The one libimobiledevice struct read from JS (1.3.0's layout: port, ssl_enabled).
  koffi.struct('lockdownd_service_descriptor', { port: 'uint16_t', ssl_enabled: 'uint8_t' });
  // 1.3.0's layout; PEM strings for the certificates. Passed in from JS (copied for the call).
  koffi.struct('lockdownd_pair_record', { device_certificate: 'char *', host_certificate: 'char *', root_certificate: 'char *', host_id: 'char *', system_buid: 'char *' });
  const fn = (library: LibraryHandle, signature: string): NativeFn => library.func(signature) as unknown as NativeFn;
  return {
    idevice_new_with_options: fn(lib, 'int idevice_new_with_options(_Out_ idevice_t *device, const char *udid, int options)'),
    idevice_free: fn(lib, 'int idevice_free(idevice_t device)'),
    idevice_set_debug_level: fn(lib, 'void idevice_set_debug_level(int level)'),
    lockdownd_client_new: fn(lib, 'int lockdownd_client_new(idevice_t device, _Out_ lockdownd_client_t *client, const char *label)'),
    lockdownd_client_new_with_handshake: fn(lib, 'int lockdownd_client_new_with_handshake(idevice_t device, _Out_ lockdownd_client_t *client, const char *label)'),
    lockdownd_client_free: fn(lib, 'int lockdownd_client_free(lockdownd_client_t client)'),
    lockdownd_get_value: fn(lib, 'int lockdownd_get_value(lockdownd_client_t client, const char *domain, const char *key, _Out_ plist_t *value)'),
    // A NULL pair record makes libimobiledevice generate one (pair) or read the stored one (validate, unpair).
    lockdownd_pair: fn(lib, 'int lockdownd_pair(lockdownd_client_t client, void *pair_record)'),
    lockdownd_validate_pair: fn(lib, 'int lockdownd_validate_pair(lockdownd_client_t client, void *pair_record)'),
    lockdownd_unpair: fn(lib, 'int lockdownd_unpair(lockdownd_client_t client, void *pair_record)'),
    plist_to_bin: fn(plist, 'void plist_to_bin(plist_t plist, _Out_ void **bin, _Out_ uint32_t *length)'),
    plist_to_bin_free: fn(plist, 'void plist_to_bin_free(void *bin)'),
    plist_free: fn(plist, 'void plist_free(plist_t plist)'),
    // Deletes the host's pair record in usbmuxd (a blocking round trip to the daemon).
    usbmuxd_delete_pair_record: fn(usbmuxd, 'int usbmuxd_delete_pair_record(const char *record_id)'),
    // Returns 0 with the record (malloc'ed by libusbmuxd) or a negative errno; parsed in C, off the JS thread.
    usbmuxd_read_pair_record: fn(usbmuxd, 'int usbmuxd_read_pair_record(const char *record_id, _Out_ void **record_data, _Out_ uint32_t *record_size)'),
    libusbmuxd_free: fn(libc(), 'void free(void *ptr)'),
    // _Inout_ with a NULL in: both functions misbehave when the out pointer does not start NULL
    // (start_service reuses a non-NULL descriptor, client_new refuses one).
    lockdownd_start_service: fn(lib, 'int lockdownd_start_service(lockdownd_client_t client, const char *identifier, _Inout_ lockdownd_service_descriptor **service)'),
    lockdownd_service_descriptor_free: fn(lib, 'int lockdownd_service_descriptor_free(lockdownd_service_descriptor *service)'),
    // Reads port and ssl_enabled only, so a descriptor built in JS (copied for the call) will do.
    property_list_service_client_new: fn(lib, 'int property_list_service_client_new(idevice_t device, lockdownd_service_descriptor *service, _Inout_ property_list_service_client_t *client)'),
    property_list_service_client_free: fn(lib, 'int property_list_service_client_free(property_list_service_client_t client)'),
    property_list_service_send_xml_plist: fn(lib, 'int property_list_service_send_xml_plist(property_list_service_client_t client, plist_t plist)'),
    property_list_service_send_binary_plist: fn(lib, 'int property_list_service_send_binary_plist(property_list_service_client_t client, plist_t plist)'),
    // The timeout (ms) bounds the wait for a message to start; its body then has libimobiledevice's own 30 s.
    property_list_service_receive_plist_with_timeout: fn(lib, 'int property_list_service_receive_plist_with_timeout(property_list_service_client_t client, _Inout_ plist_t *plist, unsigned int timeout)'),
    plist_from_bin: fn(plist, 'void plist_from_bin(const void *data, uint32_t length, _Out_ plist_t *plist)'),
    // With a pair record given, libimobiledevice pairs with it as is ("external pairing mode"):
    // no key generation, and nothing saved — the caller saves the record.
    lockdownd_pair_with_options: fn(lib, 'int lockdownd_pair_with_options(lockdownd_client_t client, lockdownd_pair_record *pair_record, plist_t options, _Out_ plist_t *response)'),
    usbmuxd_save_pair_record_with_device_id: fn(usbmuxd, 'int usbmuxd_save_pair_record_with_device_id(const char *record_id, uint32_t device_id, const uint8_t *record_data, uint32_t record_size)'),
    idevice_get_handle: fn(lib, 'int idevice_get_handle(idevice_t device, _Out_ uint32_t *handle)'),
  };
}

let cached: ImobiledeviceLibrary | NativeLibraryMissingError | undefined;

/**
 * Loads the libraries once. A missing library is remembered as a
 * NativeLibraryMissingError (naming the package to install) and thrown to every
 * caller, so device reads fail clearly while the rest of the bench keeps working.
 */
export function loadImobiledevice(): ImobiledeviceLibrary {
  if (cached === undefined) {
    try {
      cached = bind();
    } catch (error) {
      cached = error instanceof NativeLibraryMissingError ? error : new NativeLibraryMissingError(LIBRARIES.imobiledevice.file, LIBRARIES.imobiledevice.debianPackage, error);
    }
  }
  if (cached instanceof NativeLibraryMissingError) throw cached;
  return cached;
}

/** Runs a native function on libuv's thread pool and resolves with its return value. */
export function callAsync(fn: NativeFn, ...args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (error: Error | null, result: number) => (error ? reject(error) : resolve(result)));
  });
}

/** Reads and frees a descriptor lockdownd_start_service allocated. */
export function takeServiceDescriptor(lib: ImobiledeviceLibrary, pointer: NativePointer): ServiceDescriptor {
  try {
    const { port, ssl_enabled } = koffi.decode(pointer, 'lockdownd_service_descriptor') as ServiceDescriptor;
    return { port, ssl_enabled };
  } finally {
    lib.lockdownd_service_descriptor_free(pointer);
  }
}

/**
 * Builds a libplist node from a binary plist (the codec's toBinaryPlist keeps
 * uint64 exact, which libplist's XML would not). The caller frees it with plist_free.
 */
export function plistFromBytes(lib: ImobiledeviceLibrary, bytes: Buffer): NativePointer {
  const out: [NativePointer | null] = [null];
  lib.plist_from_bin(bytes, bytes.length, out);
  if (out[0] === null) throw new TypeError('libplist could not read a binary plist written by the codec');
  return out[0];
}

/** Copies a plist_t into JS-owned bytes (binary plist keeps uint64 exact) and frees nothing. */
export function plistToBytes(lib: ImobiledeviceLibrary, node: NativePointer): Buffer {
  const out: [NativePointer | null] = [null];
  const length: [number] = [0];
  lib.plist_to_bin(node, out, length);
  if (out[0] === null) return Buffer.alloc(0);
  try {
    return Buffer.from(koffi.view(out[0], length[0]).slice(0));
  } finally {
    lib.plist_to_bin_free(out[0]);
  }
}

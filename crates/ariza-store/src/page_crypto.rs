//! SQLCipher's per-page crypto, with the OpenSSL set-up that never changes between pages
//! done once per connection instead of once per page.
//!
//! Why this exists: SQLCipher 4.5.7's OpenSSL provider builds everything afresh for every
//! page it encrypts or decrypts: a new cipher context (with OpenSSL 3, a fresh algorithm
//! look-up and AES key schedule), a new HMAC context (another look-up and key set-up), and
//! an IV from a mutex-guarded `RAND_bytes`. That is a fixed few microseconds per 1 KiB page,
//! and a filing writes about a dozen pages: it was most of what encryption cost on filing
//! (`cargo bench -p ariza-store --bench desk`, README "Benchmarks").
//!
//! What does not change: the file format and the cryptography. The same Debian libcrypto
//! does all of it: AES-256-CBC with a fresh random IV for every page written, and an HMAC
//! over each page, its IV and its page number, checked on every read. A file written here
//! is an ordinary SQLCipher 4 file (tested both ways against the stock provider). What is
//! cached, per connection:
//! - an encrypt and a decrypt context, keyed once and given only the page's IV after that
//!   (keyed again whenever SQLCipher passes a different key, as `PRAGMA rekey` does);
//! - one HMAC context per digest, keyed once and reset to the keyed state for each page;
//! - random bytes for IVs, drawn from `RAND_bytes` 4 KiB at a time and wiped as they are
//!   handed out (an IV is written in the clear next to its page anyway; it only has to be
//!   unpredictable, which `RAND_bytes` output is however it is sliced).
//!
//! Everything else (key derivation, sizes, names, activation) is SQLCipher's own OpenSSL
//! provider, copied from `sqlcipher_openssl_setup`.
//!
//! The `Provider` struct below mirrors SQLCipher 4.5's `sqlcipher_provider`, so `install`
//! first checks the linked SQLCipher's version and leaves the stock provider in place for
//! any other (a newer rusqlite must be looked at before this file is trusted with it).

use std::ffi::{c_char, c_int, c_uchar, c_uint, c_void};
use std::ptr;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use openssl_sys as ossl;
use rusqlite::Connection;
use zeroize::{Zeroize, Zeroizing};

const SQLITE_OK: c_int = 0;
const SQLITE_ERROR: c_int = 1;
/// SQLCipher's `CIPHER_ENCRYPT` (decrypt is 0).
const ENCRYPT: c_int = 1;
/// SQLCipher's HMAC algorithm numbers: SHA-1, SHA-256, SHA-512.
const DIGESTS: [&std::ffi::CStr; 3] = [c"SHA1", c"SHA256", c"SHA512"];
/// AES-256 only: SQLCipher 4 uses no other.
const KEY_LEN: usize = 32;
const RANDOM_POOL: usize = 4096;
/// What `PRAGMA cipher_provider` reports while these contexts are in use.
const PROVIDER_NAME: &std::ffi::CStr = c"openssl (per-connection contexts)";

type CtxFn = unsafe extern "C" fn(*mut c_void) -> c_int;
type NameFn = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type RandomFn = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int;
type HmacFn = unsafe extern "C" fn(
    *mut c_void,
    c_int,
    *mut c_uchar,
    c_int,
    *mut c_uchar,
    c_int,
    *mut c_uchar,
    c_int,
    *mut c_uchar,
) -> c_int;
type KdfFn = unsafe extern "C" fn(
    *mut c_void,
    c_int,
    *const c_uchar,
    c_int,
    *mut c_uchar,
    c_int,
    c_int,
    c_int,
    *mut c_uchar,
) -> c_int;
type CipherFn = unsafe extern "C" fn(
    *mut c_void,
    c_int,
    *mut c_uchar,
    c_int,
    *mut c_uchar,
    *mut c_uchar,
    c_int,
    *mut c_uchar,
) -> c_int;
type HmacSizeFn = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;
type CtxInitFn = unsafe extern "C" fn(*mut *mut c_void) -> c_int;

/// SQLCipher 4.5's `sqlcipher_provider`, field for field.
#[repr(C)]
#[derive(Clone, Copy)]
struct Provider {
    activate: Option<CtxFn>,
    deactivate: Option<CtxFn>,
    get_provider_name: Option<NameFn>,
    add_random: Option<RandomFn>,
    random: Option<RandomFn>,
    hmac: Option<HmacFn>,
    kdf: Option<KdfFn>,
    cipher: Option<CipherFn>,
    get_cipher: Option<NameFn>,
    get_key_sz: Option<CtxFn>,
    get_iv_sz: Option<CtxFn>,
    get_block_sz: Option<CtxFn>,
    get_hmac_sz: Option<HmacSizeFn>,
    ctx_init: Option<CtxInitFn>,
    ctx_free: Option<CtxInitFn>,
    fips_status: Option<CtxFn>,
    get_provider_version: Option<NameFn>,
}

// These live in the SQLCipher amalgamation that libsqlite3-sys compiles and links.
unsafe extern "C" {
    fn sqlcipher_openssl_setup(provider: *mut Provider) -> c_int;
    fn sqlcipher_register_provider(provider: *mut Provider) -> c_int;
    fn sqlcipher_malloc(size: u64) -> *mut c_void;
}

/// Algorithms fetched once per process (OpenSSL 3's look-up is what made pages slow).
struct Algorithms {
    aes_256_cbc: *const ossl::EVP_CIPHER,
    digests: [*const ossl::EVP_MD; 3],
    stock_ctx_init: CtxInitFn,
    stock_ctx_free: CtxInitFn,
}

// SAFETY: fetched algorithm objects are immutable and reference-counted by OpenSSL, which
// documents them as safe to share between threads; the function pointers are plain code.
unsafe impl Send for Algorithms {}
unsafe impl Sync for Algorithms {}

static ALGORITHMS: std::sync::OnceLock<Algorithms> = std::sync::OnceLock::new();
static ACTIVE: AtomicBool = AtomicBool::new(false);
static PAGES_ENCRYPTED: AtomicU64 = AtomicU64::new(0);
static PAGES_DECRYPTED: AtomicU64 = AtomicU64::new(0);

/// Pages encrypted and decrypted so far in this process (through these contexts): the
/// benchmark prints them per filing and per search, since that is what encryption costs.
pub fn pages_processed() -> (u64, u64) {
    (
        PAGES_ENCRYPTED.load(Ordering::Relaxed),
        PAGES_DECRYPTED.load(Ordering::Relaxed),
    )
}

/// Whether new encrypted connections use these contexts (false if `install` declined).
pub fn active() -> bool {
    ACTIVE.load(Ordering::Acquire)
}

/// Puts the provider in place for encrypted connections opened from now on; idempotent.
/// The store calls it before every key; connections opened earlier keep the stock provider.
pub fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| match try_install() {
        Ok(()) => {
            ACTIVE.store(true, Ordering::Release);
            tracing::debug!("SQLCipher page crypto: per-connection OpenSSL contexts");
        }
        Err(why) => tracing::warn!(why, "SQLCipher page crypto: stock OpenSSL provider kept"),
    });
}

fn try_install() -> std::result::Result<(), &'static str> {
    // SQLCipher registers its stock provider on the first keyed connection and drops
    // whatever is registered when the last keyed connection closes. This in-memory keyed
    // connection is opened first and never closed, so the provider registered below stays
    // for the life of the process.
    let anchor = Connection::open_in_memory().map_err(|_| "in-memory connection")?;
    anchor
        .execute_batch(
            "PRAGMA key = \"x'0000000000000000000000000000000000000000000000000000000000000000'\";",
        )
        .map_err(|_| "keying the anchor connection")?;
    let version: String = anchor
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .map_err(|_| "PRAGMA cipher_version")?;
    if !version.starts_with("4.5.") {
        return Err("SQLCipher is not 4.5.x: the provider layout may differ");
    }
    // SAFETY: plain OpenSSL and SQLCipher C calls; each pointer is checked before use, and
    // the provider is allocated with `sqlcipher_malloc` because SQLCipher frees it.
    unsafe {
        let aes_256_cbc =
            ossl::EVP_CIPHER_fetch(ptr::null_mut(), c"AES-256-CBC".as_ptr(), ptr::null());
        if aes_256_cbc.is_null() {
            return Err("EVP_CIPHER_fetch(AES-256-CBC)");
        }
        let mut digests = [ptr::null::<ossl::EVP_MD>(); 3];
        for (slot, name) in digests.iter_mut().zip(DIGESTS) {
            let md = ossl::EVP_MD_fetch(ptr::null_mut(), name.as_ptr(), ptr::null());
            if md.is_null() {
                return Err("EVP_MD_fetch");
            }
            *slot = md;
        }
        let provider = sqlcipher_malloc(std::mem::size_of::<Provider>() as u64).cast::<Provider>();
        if provider.is_null() {
            return Err("sqlcipher_malloc");
        }
        sqlcipher_openssl_setup(provider);
        let (Some(stock_ctx_init), Some(stock_ctx_free)) =
            ((*provider).ctx_init, (*provider).ctx_free)
        else {
            return Err("stock provider without ctx_init/ctx_free");
        };
        let _ = ALGORITHMS.set(Algorithms {
            aes_256_cbc,
            digests,
            stock_ctx_init,
            stock_ctx_free,
        });
        (*provider).ctx_init = Some(ctx_init);
        (*provider).ctx_free = Some(ctx_free);
        (*provider).random = Some(random);
        (*provider).hmac = Some(hmac);
        (*provider).cipher = Some(cipher);
        (*provider).get_provider_name = Some(provider_name);
        sqlcipher_register_provider(provider);
    }
    // Deliberately never closed: see above.
    std::mem::forget(anchor);
    Ok(())
}

/// One connection's cached contexts (SQLCipher's `provider_ctx`).
struct PageCrypto {
    encrypt: KeyedCipher,
    decrypt: KeyedCipher,
    macs: [KeyedMac; 3],
    pool: Box<[u8; RANDOM_POOL]>,
    /// Bytes of `pool` already handed out (and wiped).
    used: usize,
}

struct KeyedCipher {
    ctx: *mut ossl::EVP_CIPHER_CTX,
    key: Option<Zeroizing<[u8; KEY_LEN]>>,
}

struct KeyedMac {
    ctx: *mut ossl::HMAC_CTX,
    key: Option<Zeroizing<Vec<u8>>>,
}

impl Drop for PageCrypto {
    fn drop(&mut self) {
        // SAFETY: each context was created by OpenSSL here and is freed once; OpenSSL
        // cleanses key material when freeing (the cached key copies wipe themselves).
        unsafe {
            for keyed in [&mut self.encrypt, &mut self.decrypt] {
                if !keyed.ctx.is_null() {
                    ossl::EVP_CIPHER_CTX_free(keyed.ctx);
                }
            }
            for mac in &mut self.macs {
                if !mac.ctx.is_null() {
                    ossl::HMAC_CTX_free(mac.ctx);
                }
            }
        }
        self.pool.zeroize();
    }
}

/// Compares keys without an early exit, as key material deserves.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

unsafe extern "C" fn provider_name(_ctx: *mut c_void) -> *const c_char {
    PROVIDER_NAME.as_ptr()
}

unsafe extern "C" fn ctx_init(ctx: *mut *mut c_void) -> c_int {
    let Some(algorithms) = ALGORITHMS.get() else {
        return SQLITE_ERROR;
    };
    // SAFETY: SQLCipher passes a valid pointer to its `provider_ctx` slot.
    let rc = unsafe { (algorithms.stock_ctx_init)(ctx) };
    if rc != SQLITE_OK {
        return rc;
    }
    let state = Box::new(PageCrypto {
        encrypt: KeyedCipher {
            ctx: ptr::null_mut(),
            key: None,
        },
        decrypt: KeyedCipher {
            ctx: ptr::null_mut(),
            key: None,
        },
        macs: std::array::from_fn(|_| KeyedMac {
            ctx: ptr::null_mut(),
            key: None,
        }),
        pool: Box::new([0; RANDOM_POOL]),
        // Empty: the first IV request fills it.
        used: RANDOM_POOL,
    });
    // SAFETY: as above; SQLCipher hands this pointer back to every call and to ctx_free.
    unsafe { *ctx = Box::into_raw(state).cast() };
    SQLITE_OK
}

unsafe extern "C" fn ctx_free(ctx: *mut *mut c_void) -> c_int {
    let Some(algorithms) = ALGORITHMS.get() else {
        return SQLITE_ERROR;
    };
    // SAFETY: `*ctx` is the box made by `ctx_init` (or null), freed exactly once here.
    unsafe {
        let state = (*ctx).cast::<PageCrypto>();
        if !state.is_null() {
            drop(Box::from_raw(state));
            *ctx = ptr::null_mut();
        }
        (algorithms.stock_ctx_free)(ctx)
    }
}

unsafe extern "C" fn random(ctx: *mut c_void, buffer: *mut c_void, length: c_int) -> c_int {
    let Ok(len) = usize::try_from(length) else {
        return SQLITE_ERROR;
    };
    let state = ctx.cast::<PageCrypto>();
    // SAFETY: `buffer` holds `length` bytes (SQLCipher's IV/reserve area or salt); `state`
    // is this connection's context or null.
    unsafe {
        if state.is_null() || len > RANDOM_POOL / 4 {
            return if ossl::RAND_bytes(buffer.cast(), length) == 1 {
                SQLITE_OK
            } else {
                SQLITE_ERROR
            };
        }
        let state = &mut *state;
        if RANDOM_POOL - state.used < len {
            if ossl::RAND_bytes(state.pool.as_mut_ptr(), RANDOM_POOL as c_int) != 1 {
                return SQLITE_ERROR;
            }
            state.used = 0;
        }
        let taken = &mut state.pool[state.used..state.used + len];
        ptr::copy_nonoverlapping(taken.as_ptr(), buffer.cast::<u8>(), len);
        taken.zeroize();
        state.used += len;
    }
    SQLITE_OK
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn hmac(
    ctx: *mut c_void,
    algorithm: c_int,
    key: *mut c_uchar,
    key_len: c_int,
    input: *mut c_uchar,
    input_len: c_int,
    input2: *mut c_uchar,
    input2_len: c_int,
    out: *mut c_uchar,
) -> c_int {
    let (Some(algorithms), Ok(index), Ok(key_len), Ok(input_len)) = (
        ALGORITHMS.get(),
        usize::try_from(algorithm),
        usize::try_from(key_len),
        usize::try_from(input_len),
    ) else {
        return SQLITE_ERROR;
    };
    if index >= DIGESTS.len() || ctx.is_null() || input.is_null() || key.is_null() {
        return SQLITE_ERROR;
    }
    // SAFETY: SQLCipher passes its HMAC key, the page (+IV) and page number buffers with
    // their lengths, and an output buffer of the digest's size; `ctx` is ours.
    unsafe {
        let mac = &mut (*ctx.cast::<PageCrypto>()).macs[index];
        if mac.ctx.is_null() {
            mac.ctx = ossl::HMAC_CTX_new();
            if mac.ctx.is_null() {
                return SQLITE_ERROR;
            }
        }
        let key = std::slice::from_raw_parts(key, key_len);
        let keyed = mac.key.as_ref().is_some_and(|cached| same_key(cached, key));
        let ok = if keyed {
            // Back to the keyed state: no key set-up, no algorithm look-up.
            ossl::HMAC_Init_ex(mac.ctx, ptr::null(), 0, ptr::null(), ptr::null_mut())
        } else {
            mac.key = Some(Zeroizing::new(key.to_vec()));
            ossl::HMAC_Init_ex(
                mac.ctx,
                key.as_ptr().cast(),
                key_len as c_int,
                algorithms.digests[index],
                ptr::null_mut(),
            )
        };
        if ok != 1 || ossl::HMAC_Update(mac.ctx, input, input_len) != 1 {
            mac.key = None;
            return SQLITE_ERROR;
        }
        if !input2.is_null() {
            let Ok(input2_len) = usize::try_from(input2_len) else {
                return SQLITE_ERROR;
            };
            if ossl::HMAC_Update(mac.ctx, input2, input2_len) != 1 {
                return SQLITE_ERROR;
            }
        }
        let mut out_len: c_uint = 0;
        if ossl::HMAC_Final(mac.ctx, out, &mut out_len) != 1 {
            return SQLITE_ERROR;
        }
    }
    SQLITE_OK
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn cipher(
    ctx: *mut c_void,
    mode: c_int,
    key: *mut c_uchar,
    key_len: c_int,
    iv: *mut c_uchar,
    input: *mut c_uchar,
    input_len: c_int,
    out: *mut c_uchar,
) -> c_int {
    let Some(algorithms) = ALGORITHMS.get() else {
        return SQLITE_ERROR;
    };
    if ctx.is_null() || key.is_null() || iv.is_null() || key_len as usize != KEY_LEN {
        return SQLITE_ERROR;
    }
    // SAFETY: SQLCipher passes a 32-byte key, a 16-byte IV, and input and output buffers of
    // `input_len` bytes (a whole number of AES blocks); `ctx` is ours.
    unsafe {
        let state = &mut *ctx.cast::<PageCrypto>();
        let keyed = if mode == ENCRYPT {
            &mut state.encrypt
        } else {
            &mut state.decrypt
        };
        if keyed.ctx.is_null() {
            keyed.ctx = ossl::EVP_CIPHER_CTX_new();
            if keyed.ctx.is_null() {
                return SQLITE_ERROR;
            }
        }
        let key = std::slice::from_raw_parts(key, KEY_LEN);
        let same = keyed
            .key
            .as_ref()
            .is_some_and(|cached| same_key(&cached[..], key));
        let ok = if same {
            // Only the IV changes: the key schedule stays.
            ossl::EVP_CipherInit_ex(
                keyed.ctx,
                ptr::null(),
                ptr::null_mut(),
                ptr::null(),
                iv,
                mode,
            )
        } else {
            keyed.key = None;
            let ok = ossl::EVP_CipherInit_ex(
                keyed.ctx,
                algorithms.aes_256_cbc,
                ptr::null_mut(),
                key.as_ptr(),
                iv,
                mode,
            ) == 1
                && ossl::EVP_CIPHER_CTX_set_padding(keyed.ctx, 0) == 1;
            if ok {
                let mut copy = Zeroizing::new([0u8; KEY_LEN]);
                copy.copy_from_slice(key);
                keyed.key = Some(copy);
            }
            c_int::from(ok)
        };
        if ok != 1 {
            keyed.key = None;
            return SQLITE_ERROR;
        }
        // Without padding a whole number of blocks comes out of one update; no final call
        // is needed, and a short count means something is wrong.
        let mut out_len: c_int = 0;
        if ossl::EVP_CipherUpdate(keyed.ctx, out, &mut out_len, input, input_len) != 1
            || out_len != input_len
        {
            return SQLITE_ERROR;
        }
    }
    let counter = if mode == ENCRYPT {
        &PAGES_ENCRYPTED
    } else {
        &PAGES_DECRYPTED
    };
    counter.fetch_add(1, Ordering::Relaxed);
    SQLITE_OK
}
